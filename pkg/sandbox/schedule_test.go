package sandbox

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestTwilioScheduled: SendAt with ScheduleType=fixed and a Messaging
// Service answers status scheduled and sends nothing until the time comes;
// then the message is queued, sent and delivered as any other. Times out
// of Twilio's window, and a ScheduleType without SendAt, get Twilio's errors.
func TestTwilioScheduled(t *testing.T) {
	var offset atomic.Int64 // the sandbox's clock, set forward by the test
	now := func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	a := newApp(t, 200)
	sb, base := newSandbox(t, Options{Now: now})
	create := func(form url.Values) (int, map[string]any) {
		t.Helper()
		form.Set("To", "+15558675310")
		form.Set("Body", "Your appointment is tomorrow")
		form.Set("StatusCallback", a.srv.URL+"/status")
		req, _ := http.NewRequest("POST", base+"/twilio/2010-04-01/Accounts/"+testAccount+"/Messages.json", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(testAccount, testToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		decodeJSON(t, resp, &out)
		return resp.StatusCode, out
	}
	const mg = "MG0123456789abcdef0123456789abcdef"
	at := func(d time.Duration) string { return now().Add(d).UTC().Format("2006-01-02T15:04:05Z") }
	for _, tt := range []struct {
		name string
		form url.Values
		code float64
	}{
		{"too soon", url.Values{"MessagingServiceSid": {mg}, "ScheduleType": {"fixed"}, "SendAt": {at(time.Minute)}}, 35114},
		{"too late", url.Values{"MessagingServiceSid": {mg}, "ScheduleType": {"fixed"}, "SendAt": {at(36 * 24 * time.Hour)}}, 35114},
		{"not a time", url.Values{"MessagingServiceSid": {mg}, "ScheduleType": {"fixed"}, "SendAt": {"tomorrow"}}, 35114},
		{"no SendAt", url.Values{"MessagingServiceSid": {mg}, "ScheduleType": {"fixed"}}, 35111},
		{"other type", url.Values{"MessagingServiceSid": {mg}, "ScheduleType": {"recurring"}, "SendAt": {at(time.Hour)}}, 35126},
	} {
		if code, out := create(tt.form); code != 400 || out["code"] != tt.code {
			t.Errorf("%s: %d %v, want 400 with code %v", tt.name, code, out, tt.code)
		}
	}

	code, out := create(url.Values{"MessagingServiceSid": {mg}, "ScheduleType": {"fixed"}, "SendAt": {at(time.Hour)}})
	if code != 201 || out["status"] != "scheduled" {
		t.Fatalf("scheduled: %d %v", code, out)
	}
	sid := out["sid"].(string)
	time.Sleep(300 * time.Millisecond)
	if m, _ := sb.Message(sid); m.Status != "scheduled" || len(m.Callbacks) != 0 {
		t.Fatalf("before the time: %+v", m)
	}
	offset.Store(int64(time.Hour + time.Second)) // the hour passes
	m := waitFinal(t, sb, sid, 2)
	if m.Status != "delivered" || a.next(t).Form.Get("MessageStatus") != "sent" || a.next(t).Form.Get("MessageStatus") != "delivered" {
		t.Fatalf("after the time: %+v", m)
	}

	// Without a Messaging Service, SendAt is ignored: sent at once.
	code, out = create(url.Values{"From": {"+15017122661"}, "ScheduleType": {"fixed"}, "SendAt": {at(time.Hour)}})
	if code != 201 || out["status"] != "queued" {
		t.Fatalf("no service: %d %v", code, out)
	}
}

// TestTwilioMMS: MediaUrl makes an MMS: an MM… sid and num_media; a bad
// or an eleventh media URL gets Twilio's error.
func TestTwilioMMS(t *testing.T) {
	sb, base := newSandbox(t, Options{Latency: time.Hour})
	create := func(media ...string) (int, map[string]any) {
		t.Helper()
		form := url.Values{"To": {"+15558675310"}, "From": {"+15017122661"}, "MediaUrl": media}
		req, _ := http.NewRequest("POST", base+"/twilio/2010-04-01/Accounts/"+testAccount+"/Messages.json", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth(testAccount, testToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		decodeJSON(t, resp, &out)
		return resp.StatusCode, out
	}
	code, out := create("https://demo.example/cat.jpg", "https://demo.example/dog.jpg")
	sid, _ := out["sid"].(string)
	if code != 201 || !strings.HasPrefix(sid, "MM") || len(sid) != 34 || out["num_media"] != "2" {
		t.Fatalf("MMS: %d %v", code, out)
	}
	if _, ok := sb.Message(sid); !ok {
		t.Fatal("the MMS is not stored")
	}
	if code, out := create("not a url"); code != 400 || out["code"] != float64(21620) {
		t.Fatalf("bad media URL: %d %v", code, out)
	}
	eleven := make([]string, 11)
	for i := range eleven {
		eleven[i] = "https://demo.example/" + strconv.Itoa(i) + ".jpg"
	}
	if code, out := create(eleven...); code != 400 || out["code"] != float64(21623) {
		t.Fatalf("11 media: %d %v", code, out)
	}
}
