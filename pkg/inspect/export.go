package inspect

import (
	"bufio"
	"encoding/json"
	"net/http"

	"github.com/smshook/smshook/pkg/capture"
	"github.com/smshook/smshook/pkg/har"
	"github.com/smshook/smshook/pkg/redact"
)

// export downloads the events the query selects, oldest first, as JSON
// Lines (capture records, replay reads them) or HAR, credentials hidden.
// Bodies are the captured bytes.
func (s *Server) export(w http.ResponseWriter, r *http.Request) {
	q, err := s.queryFromRequest(r)
	if err != nil {
		apiError(w, http.StatusBadRequest, err.Error())
		return
	}
	format := r.URL.Query().Get("format")
	var write func(*capture.Record) error
	var finish func() error
	bw := bufio.NewWriterSize(w, 64<<10)
	h := w.Header()
	switch format {
	case "jsonl":
		h.Set("Content-Type", "application/x-ndjson")
		h.Set("Content-Disposition", `attachment; filename="smshook-export.jsonl"`)
		enc := json.NewEncoder(bw)
		write = func(rec *capture.Record) error { return enc.Encode(rec) }
		finish = bw.Flush
	case "har":
		h.Set("Content-Type", "application/json")
		h.Set("Content-Disposition", `attachment; filename="smshook-export.har"`)
		hw, err := har.NewWriter(bw, har.Creator{Name: "smshook inspect", Version: "1"})
		if err != nil {
			apiError(w, http.StatusInternalServerError, err.Error())
			return
		}
		write = hw.Write
		finish = func() error {
			if err := hw.Close(); err != nil {
				return err
			}
			return bw.Flush()
		}
	default:
		apiError(w, http.StatusBadRequest, "format: use jsonl or har")
		return
	}
	w.WriteHeader(http.StatusOK)
	s.opts.Index.Select(q, maxExport, func(rec *capture.Record) error {
		shown, _ := redact.Record(rec, s.opts.Credentials, nil)
		return write(shown)
	})
	finish()
}
