package inventory

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// Handler returns an http.Handler that serves an inventory — a process's
// [Registry] or an organisation-wide [Inventory] — the governance
// equivalent of a /metrics endpoint. Mount it under a prefix with
// http.StripPrefix. Routes (GET only):
//
//	/                            same as /systems
//	/systems                     all entries, JSON
//	/systems/{id}                one entry, JSON
//	/systems/{id}/modelcard      model card, Markdown
//	/systems/{id}/modelcard.json model card, JSON
//	/systems/{id}/techdoc        Annex IV skeleton, Markdown
//	/systems/{id}/techdoc.json   Annex IV skeleton, JSON
//	/systems/{id}/cyclonedx      CycloneDX 1.6 ML-BOM of one system
//	/cyclonedx                   CycloneDX 1.6 ML-BOM of every system
//
// Unknown systems and routes get 404, other methods than GET and HEAD 405; errors are JSON objects
// {"error": "..."}.
//
// The routes serve systems only: the records an [Inventory] refused
// ([Inventory.Refused]) are not served, so report them where the
// inventory is built (log them, or alert on them).
func Handler(src Source) http.Handler {
	mux := http.NewServeMux()
	list := func(w http.ResponseWriter, _ *http.Request) {
		entries := src.Entries()
		if entries == nil {
			entries = []Entry{}
		}
		writeJSON(w, http.StatusOK, entries)
	}
	mux.HandleFunc("GET /{$}", list)
	mux.HandleFunc("GET /systems", list)
	mux.HandleFunc("GET /systems/{id}", withEntry(src, func(w http.ResponseWriter, e Entry) {
		writeJSON(w, http.StatusOK, e)
	}))
	mux.HandleFunc("GET /systems/{id}/modelcard", withEntry(src, func(w http.ResponseWriter, e Entry) {
		writeText(w, "text/markdown; charset=utf-8", NewModelCard(e.System).Markdown())
	}))
	mux.HandleFunc("GET /systems/{id}/modelcard.json", withEntry(src, func(w http.ResponseWriter, e Entry) {
		writeJSON(w, http.StatusOK, NewModelCard(e.System))
	}))
	mux.HandleFunc("GET /systems/{id}/techdoc", withEntry(src, func(w http.ResponseWriter, e Entry) {
		writeText(w, "text/markdown; charset=utf-8", NewTechnicalDocumentation(e.System).Markdown())
	}))
	mux.HandleFunc("GET /systems/{id}/techdoc.json", withEntry(src, func(w http.ResponseWriter, e Entry) {
		writeJSON(w, http.StatusOK, NewTechnicalDocumentation(e.System))
	}))
	mux.HandleFunc("GET /systems/{id}/cyclonedx", withEntry(src, func(w http.ResponseWriter, e Entry) {
		writeBOM(w, []System{e.System})
	}))
	mux.HandleFunc("GET /cyclonedx", func(w http.ResponseWriter, _ *http.Request) {
		entries := src.Entries()
		systems := make([]System, len(entries))
		for i, e := range entries {
			systems[i] = e.System
		}
		writeBOM(w, systems)
	})
	// The catch-all answers in JSON too. The handler is read-only, so any
	// method but GET or HEAD is refused before the path is looked at.
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			writeJSON(w, http.StatusMethodNotAllowed, errorBody{fmt.Sprintf("inventory: method %s not allowed; the inventory is read-only", r.Method)})
			return
		}
		writeJSON(w, http.StatusNotFound, errorBody{fmt.Sprintf("inventory: no route %s", r.URL.Path)})
	})
	return mux
}

type errorBody struct {
	Error string `json:"error"`
}

func withEntry(src Source, serve func(http.ResponseWriter, Entry)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id := r.PathValue("id")
		e, ok := findEntry(src, id)
		if !ok {
			writeJSON(w, http.StatusNotFound, errorBody{fmt.Sprintf("inventory: no system %q", id)})
			return
		}
		serve(w, e)
	}
}

func writeBOM(w http.ResponseWriter, systems []System) {
	b, err := CycloneDX(systems)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, errorBody{err.Error()})
		return
	}
	w.Header().Set("Content-Type", CycloneDXMediaType)
	_, _ = w.Write(b)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		status = http.StatusInternalServerError
		b, _ = json.Marshal(errorBody{err.Error()})
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

func writeText(w http.ResponseWriter, contentType, s string) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	_, _ = w.Write([]byte(s))
}
