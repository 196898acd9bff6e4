package inspect

import (
	"io/fs"
	"regexp"
	"strings"
	"testing"
)

// The page's code reaches the DOM only through text: a grep keeps it so.
func TestStaticFilesNeverWriteMarkup(t *testing.T) {
	forbidden := []string{"innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function", "setTimeout('", `setTimeout("`}
	inlineScript := regexp.MustCompile(`<script(?:\s[^>]*)?>\s*[^<\s]`)
	err := fs.WalkDir(staticFiles, "static", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := fs.ReadFile(staticFiles, path)
		text := string(b)
		for _, word := range forbidden {
			if strings.Contains(text, word) {
				t.Errorf("%s uses %s", path, word)
			}
		}
		if strings.HasSuffix(path, ".html") {
			if inlineScript.MatchString(text) || strings.Contains(text, " style=") || strings.Contains(text, "<style") ||
				regexp.MustCompile(`\son[a-z]+=`).MatchString(text) || strings.Contains(text, "http://") || strings.Contains(text, "https://") {
				t.Errorf("%s has inline script, style, a handler attribute or another host", path)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
