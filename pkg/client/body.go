package client

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/tidwall/gjson"
	"github.com/tidwall/sjson"

	"github.com/smshook/smshook/pkg/codec"
	"github.com/smshook/smshook/pkg/provider"
)

// Body says how to build the body of every request of a run. We are the
// sender here: the body built is new, so editing a copy of a fixture or of
// --data with sjson is fine. Bodies given to forward, replay or verify never
// come through here.
type Body struct {
	// Raw is the kind's fixture or the user's --data, as given.
	Raw []byte
	// Format says how --set and fresh values are written: JSON, form, or ""
	// for any other body (which --set cannot edit).
	Format codec.Format
	// Fresh, for a fixture, names the message id and timestamp fields that
	// get fresh values per request; zero for --data.
	Fresh codec.Fields
	// Sets are the --set overrides, applied in order after fresh values.
	Sets []Set
	// NoTemplate sends Raw (after --set) exactly as it is: no placeholders,
	// no fresh values.
	NoTemplate bool
	// TimeLayout is what {{now}} renders; see ProviderTimeLayout.
	TimeLayout string
}

// Set is one --set override. For JSON bodies Path is a plain dotted path
// (data.status, items.0.id, items.-1 to append; \. escapes a dot); for form
// bodies it is a field name.
type Set struct {
	Path  string
	Value string
	// Raw means the value is JSON (path:=json), not a string (path=value).
	Raw bool
}

// ParseSet reads a --set argument: path=value sets a string, path:=json
// sets a JSON value (number, true, false, null, object, array, or a quoted
// string).
func ParseSet(arg string) (Set, error) {
	eq := strings.IndexByte(arg, '=')
	if eq < 0 {
		return Set{}, fmt.Errorf("--set %q is not path=value (a string) or path:=json (a number, true, null, an object…)", arg)
	}
	s := Set{Path: arg[:eq], Value: arg[eq+1:]}
	if strings.HasSuffix(s.Path, ":") {
		s.Path, s.Raw = strings.TrimSuffix(s.Path, ":"), true
	}
	if s.Path == "" {
		return Set{}, fmt.Errorf("--set %q has no path before '='", arg)
	}
	return s, nil
}

func (s Set) String() string {
	if s.Raw {
		return s.Path + ":=" + s.Value
	}
	return s.Path + "=" + s.Value
}

// Compile builds the run's body template: fresh values first, then --set,
// then placeholders parsed (unless NoTemplate).
func (b Body) Compile() (*Template, error) {
	body := bytes.Clone(b.Raw)
	var err error
	if !b.NoTemplate {
		if body, err = b.addFresh(body); err != nil {
			return nil, err
		}
	}
	// A path:=json value with placeholders ({{seq}} as a number) is not JSON
	// until rendered: it stands in the body as a unique string while the
	// other --set edits need valid JSON, and goes in at the end.
	var pending [][2][]byte
	for i, s := range b.Sets {
		if s.Raw && b.Format == codec.FormatJSON && !b.NoTemplate && strings.Contains(s.Value, "{{") {
			if !b.validRawValue(s.Value) {
				return nil, fmt.Errorf("--set %s: %q is not JSON once rendered", s, s.Value)
			}
			stand := fmt.Sprintf("smshook-pending-%d-%s", i, RandomToken(12))
			pending = append(pending, [2][]byte{[]byte(`"` + stand + `"`), []byte(s.Value)})
			s = Set{Path: s.Path, Value: stand}
		}
		if body, err = b.apply(body, s); err != nil {
			return nil, err
		}
	}
	for _, p := range pending {
		body = bytes.Replace(body, p[0], p[1], 1)
	}
	if b.NoTemplate {
		return LiteralTemplate(body), nil
	}
	return ParseTemplate(body, TemplateOptions{TimeLayout: b.TimeLayout, Form: b.Format == codec.FormatForm})
}

// addFresh writes placeholders into a fixture's message id and timestamp,
// keeping the shape of the values it replaces.
func (b Body) addFresh(body []byte) ([]byte, error) {
	for _, f := range []struct {
		path string
		tmpl func(old string) string
	}{
		{b.Fresh.MessageID, FreshIDTemplate},
		{b.Fresh.Timestamp, func(old string) string {
			if TimeLayoutOf(old) == "" {
				return "" // a value we cannot imitate stays as it is
			}
			return "{{now}}"
		}},
	} {
		if f.path == "" {
			continue
		}
		var err error
		switch b.Format {
		case codec.FormatJSON:
			v := gjson.GetBytes(body, f.path)
			if !v.Exists() || v.IsObject() || v.IsArray() {
				continue
			}
			t := f.tmpl(v.String())
			if t == "" {
				continue
			}
			if v.Type == gjson.String {
				body, err = sjson.SetBytes(body, f.path, t)
			} else {
				body, err = sjson.SetRawBytes(body, f.path, []byte(t))
			}
		case codec.FormatForm:
			form, perr := url.ParseQuery(string(body))
			if perr != nil || !form.Has(f.path) {
				continue
			}
			if t := f.tmpl(form.Get(f.path)); t != "" {
				body = setFormField(body, f.path, t, true)
			}
		}
		if err != nil {
			return nil, fmt.Errorf("fresh value for %s: %v", f.path, err)
		}
	}
	return body, nil
}

// apply writes one --set into body.
func (b Body) apply(body []byte, s Set) ([]byte, error) {
	switch b.Format {
	case codec.FormatForm:
		if s.Raw {
			return nil, fmt.Errorf("--set %s: form fields are text: write %s=%s", s, s.Path, s.Value)
		}
		return setFormField(body, s.Path, s.Value, !b.NoTemplate), nil
	case codec.FormatJSON:
	default:
		return nil, fmt.Errorf("--set %s: --set edits JSON and form bodies, and this body's Content-Type is neither", s)
	}
	if !gjson.ValidBytes(body) {
		return nil, fmt.Errorf("--set %s: the body is not valid JSON, so there is no path to set (a placeholder outside a string, like {{seq}} as a number, counts: set it with path:={{seq}} instead)", s)
	}
	if err := checkSetPath(s.Path); err != nil {
		return nil, fmt.Errorf("--set %s: %v", s, err)
	}
	if parent, v, ok := scalarParent(body, s.Path); ok {
		return nil, fmt.Errorf("--set %s: %s is %s, not an object or array, so it has no %s inside: set %s itself", s, parent, withArticle(jsonTypeName(v)), strings.TrimPrefix(s.Path, parent+"."), parent)
	}
	var (
		out []byte
		err error
	)
	if s.Raw {
		if !b.validRawValue(s.Value) {
			return nil, fmt.Errorf("--set %s: %q is not JSON: quote a string (%s:='\"text\"') or use %s=text", s, s.Value, s.Path, s.Path)
		}
		out, err = sjson.SetRawBytes(body, s.Path, []byte(s.Value))
	} else {
		out, err = sjson.SetBytes(body, s.Path, s.Value)
	}
	if err != nil {
		return nil, fmt.Errorf("--set %s: %v", s, err)
	}
	if !gjson.ValidBytes(out) {
		return nil, fmt.Errorf("--set %s: the path does not fit the body's JSON", s)
	}
	return out, nil
}

// validRawValue checks a path:=json value, rendering its placeholders first
// so that {{seq}} or {{rand 4}} are accepted as numbers.
func (b Body) validRawValue(v string) bool {
	if b.NoTemplate || !strings.Contains(v, "{{") {
		return json.Valid([]byte(v))
	}
	t, err := ParseTemplate([]byte(v), TemplateOptions{TimeLayout: b.TimeLayout})
	if err != nil {
		return false
	}
	sample := t.Render(&Fresh{Seq: 1, Now: time.Unix(0, 0), Rand: NewRand()})
	return json.Valid(sample)
}

// checkSetPath accepts plain dotted paths: sjson's wildcards, queries and
// modifiers select values to read, not a place to write.
func checkSetPath(path string) error {
	if strings.HasPrefix(path, ".") || strings.HasSuffix(path, ".") && !strings.HasSuffix(path, `\.`) {
		return fmt.Errorf("path %q starts or ends with '.'", path)
	}
	if i := strings.IndexAny(path, "*?#@|!"); i >= 0 {
		return fmt.Errorf("path %q holds %q: write a plain path such as data.status or items.0.id (escape a dot in a key as \\.)", path, path[i:i+1])
	}
	for i := 0; i+1 < len(path); i++ {
		if path[i] == '\\' {
			i++ // an escaped character
			continue
		}
		if path[i] == '.' && path[i+1] == '.' {
			return fmt.Errorf("path %q has an empty part between dots", path)
		}
	}
	return nil
}

// scalarParent finds the first value along path, before its last part,
// that is neither an object nor an array: sjson would silently replace it
// with an object, losing the value the user meant to edit inside.
func scalarParent(body []byte, path string) (string, gjson.Result, bool) {
	for i := 0; i < len(path); i++ {
		switch path[i] {
		case '\\':
			i++
		case '.':
			prefix := path[:i]
			v := gjson.GetBytes(body, prefix)
			if v.Exists() && !v.IsObject() && !v.IsArray() {
				return prefix, v, true
			}
		}
	}
	return "", gjson.Result{}, false
}

// setFormField sets one field of a form body in place, keeping the order of
// the other fields, or appends it. keepPlaceholders leaves {{…}} unescaped
// so that they render per request.
func setFormField(body []byte, name, value string, keepPlaceholders bool) []byte {
	pair := url.QueryEscape(name) + "=" + escapeFormValue(value, keepPlaceholders)
	if len(body) == 0 {
		return []byte(pair)
	}
	fields := strings.Split(string(body), "&")
	found := false
	for i, f := range fields {
		k, _, _ := strings.Cut(f, "=")
		if key, err := url.QueryUnescape(k); err == nil && key == name {
			fields[i] = pair
			found = true
		}
	}
	if !found {
		fields = append(fields, pair)
	}
	return []byte(strings.Join(fields, "&"))
}

func escapeFormValue(v string, keepPlaceholders bool) string {
	if !keepPlaceholders {
		return url.QueryEscape(v)
	}
	var b strings.Builder
	for v != "" {
		open := strings.Index(v, "{{")
		end := -1
		if open >= 0 {
			end = strings.Index(v[open:], "}}")
		}
		if open < 0 || end < 0 {
			b.WriteString(url.QueryEscape(v))
			break
		}
		b.WriteString(url.QueryEscape(v[:open]))
		b.WriteString(v[open : open+end+2])
		v = v[open+end+2:]
	}
	return b.String()
}

// ProviderTimeLayout is the timestamp style of a provider's payloads, read
// from its fixtures (Dexatel and MOBtexting write "2006-01-02 15:04:05");
// RFC 3339 when no fixture has a timestamp.
func ProviderTimeLayout(p *provider.Provider) string {
	for _, k := range p.Kinds {
		if KindTimeLayout(k) != "" {
			return KindTimeLayout(k)
		}
	}
	return time.RFC3339
}

// KindTimeLayout is the layout of the kind's fixture timestamp, or "".
func KindTimeLayout(k *provider.Kind) string {
	path := k.Schema.Fields.Timestamp
	if path == "" || len(k.Fixture) == 0 {
		return ""
	}
	var value string
	if k.Schema.Format == codec.FormatForm {
		form, err := url.ParseQuery(string(k.Fixture))
		if err != nil {
			return ""
		}
		value = form.Get(path)
	} else {
		value = gjson.GetBytes(k.Fixture, path).String()
	}
	return TimeLayoutOf(value)
}

// FormatOf says how a body with this Content-Type is edited: the media type
// decides, and an empty one falls back to the kind's format.
func FormatOf(contentType string, kindFormat codec.Format) codec.Format {
	mt := strings.ToLower(strings.TrimSpace(strings.Split(contentType, ";")[0]))
	switch {
	case mt == "":
		return kindFormat
	case mt == "application/x-www-form-urlencoded":
		return codec.FormatForm
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		return codec.FormatJSON
	}
	return ""
}
