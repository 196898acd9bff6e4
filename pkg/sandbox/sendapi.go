package sandbox

// SendAPI is what the sandbox plays of a provider's send-message API, and
// how sure that shape is, for `smshook providers show`.
type SendAPI struct {
	// Base is the sandbox path the provider's API is under.
	Base    string `json:"base"`
	Request string `json:"request"`
	Auth    string `json:"auth"`
	// Callbacks says where status callbacks go and how they are signed.
	Callbacks string `json:"callbacks"`
	// Evidence is where the shape comes from: "official SDK",
	// "official docs", or "from public clients".
	Evidence string `json:"evidence"`
	Note     string `json:"note,omitempty"`
}

// Evidence levels.
const (
	EvidenceSDK           = "official SDK"
	EvidenceDocs          = "official docs"
	EvidencePublicClients = "from public clients"
)

// SendAPIOf returns what the sandbox plays of the named provider's API.
func SendAPIOf(name string) (SendAPI, bool) {
	for _, a := range allAPIs() {
		if a.name() == name {
			api := a.sendAPI()
			api.Base = "/" + name
			return api, true
		}
	}
	return SendAPI{}, false
}

func (twilioAPI) sendAPI() SendAPI {
	return SendAPI{
		Request:   "POST /2010-04-01/Accounts/{AccountSid}/Messages.json (form: To, From or MessagingServiceSid, Body, MediaUrl (up to 10: an MMS, MM… sid, num_media), StatusCallback, SendAt with ScheduleType=fixed); GET …/Messages.json; GET …/Messages/{Sid}.json",
		Auth:      "Basic AccountSid:AuthToken: the profile's username and secret when set (else any); a wrong pair gets 401, code 20003",
		Callbacks: "to StatusCallback: sent, then delivered | undelivered, or failed; X-Twilio-Signature with the auth token the app used",
		Evidence:  EvidenceSDK,
		Note:      "twilio-go's CreateMessage, FetchMessage, ListMessage and RequestValidator run against it in the tests. A scheduled message (SendAt 5 minutes to 35 days ahead, ScheduleType=fixed, a MessagingServiceSid; else 35114, 35111, 35126) stays scheduled, with no callback, until SendAt, then is queued and lives as any other",
	}
}

func (dexatelAPI) sendAPI() SendAPI {
	return SendAPI{
		Request:   `POST /v1/messages, JSON {"data": {"from", "to": [], "text", "channel"}}; GET /v1/messages/{id}`,
		Auth:      "X-Dexatel-Key header: the profile's api_key when set (else any); a wrong key gets 401",
		Callbacks: "to the account's webhook URL: the delivery event with the final status; X-Dexatel-Signature with the webhook secret",
		Evidence:  EvidenceDocs + " and " + EvidencePublicClients,
		Note:      "Dexatel's developer pages give the request and the answer ({\"data\": [{id, account_id, to, status, segments_count, encoding …}]}), and public clients agree on the request; one client reads data[0].message_id, which the pages do not show. Specific error codes are not published: the sandbox puts the HTTP status in each error's code",
	}
}

func (cellcastAPI) sendAPI() SendAPI {
	return SendAPI{
		Request:   `POST /api/v3/send-sms, JSON {"sms_text", "numbers": [], "from"}; GET /api/v3/get-sms?message_id=`,
		Auth:      "APPKEY header: the profile's api_key when set (else any); a wrong key gets 401 AUTH_FAILED",
		Callbacks: "to the account's Status URL: the webhook page's {_id, status, type: send, sender, receiver}; Basic auth when configured",
		Evidence:  EvidencePublicClients,
		Note:      "Cellcast publishes no SDK: the request is what public clients send, and the answer ({meta: {code, status}, msg, data: {messages: [{message_id …}]}}) and errors (AUTH_FAILED, FIELD_INVALID) follow a public summary of its v3 documentation. That summary shows DLR callbacks as an array of {message_id, status, recipient}; the sandbox sends the webhook page's shape (seed 004), which smshook's cellcast provider reads",
	}
}

func (mobtextingAPI) sendAPI() SendAPI {
	return SendAPI{
		Request:   "GET or POST /api/v2/sms/send with access_token, sender, to, message, service (T, P, S, G) as query or form",
		Auth:      "access_token parameter, or Authorization: Bearer: the profile's api_key when set (else any); a wrong token gets 401",
		Callbacks: "to the webhook set up in the portal: the DLR of seed 002; the webhook's secret as a Bearer token; retried 3 times unless 200 or 202. Replies: a virtual number's vmn:message:in event (mobtexting/docs v2/vmn/webhook.md)",
		Evidence:  EvidencePublicClients,
		Note:      "the provider's own client libraries (github.com/mobtexting: go, python, php …) send the request; the answer ({status, message, data: [{id: <uuid>:1, mobile, status: AWAITING-DLR …}]}) is from the platform's public API docs; error bodies are not documented, so the sandbox answers {status, message} with 401 or 422",
	}
}
