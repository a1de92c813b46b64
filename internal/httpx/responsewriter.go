package httpx

import (
	"bufio"
	"net"
	"net/http"
)

// recorder wraps a ResponseWriter to learn the status and size of the
// response, for logging, metrics and Recover.
//
// It implements http.Flusher and http.Hijacker itself, because handlers
// still type-assert for them, and Unwrap so http.NewResponseController
// reaches the deadlines and full-duplex controls of the real writer.
type recorder struct {
	http.ResponseWriter
	status   int
	bytes    int64
	started  bool // the status line has gone out; headers can no longer change
	hijacked bool
}

func newRecorder(w http.ResponseWriter) *recorder {
	return &recorder{ResponseWriter: w}
}

func (rw *recorder) WriteHeader(code int) {
	if rw.started {
		// Let net/http log its "superfluous WriteHeader" warning.
		rw.ResponseWriter.WriteHeader(code)
		return
	}
	// 1xx informational responses (103 Early Hints) may precede the final
	// one; 101 Switching Protocols is final.
	if code >= 100 && code < 200 && code != http.StatusSwitchingProtocols {
		rw.ResponseWriter.WriteHeader(code)
		return
	}
	rw.status = code
	rw.started = true
	rw.ResponseWriter.WriteHeader(code)
}

func (rw *recorder) Write(p []byte) (int, error) {
	if !rw.started {
		rw.status = http.StatusOK
		rw.started = true
	}
	n, err := rw.ResponseWriter.Write(p)
	rw.bytes += int64(n)
	return n, err
}

// FlushError is what http.ResponseController.Flush calls first.
func (rw *recorder) FlushError() error {
	if !rw.started {
		rw.status = http.StatusOK
		rw.started = true
	}
	return http.NewResponseController(rw.ResponseWriter).Flush()
}

// Flush implements http.Flusher.
func (rw *recorder) Flush() {
	_ = rw.FlushError()
}

// Hijack implements http.Hijacker. It fails with an error wrapping
// http.ErrNotSupported when the underlying writer cannot hijack (HTTP/2).
func (rw *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, brw, err := http.NewResponseController(rw.ResponseWriter).Hijack()
	if err == nil {
		rw.hijacked = true
		if !rw.started {
			rw.status = http.StatusSwitchingProtocols
			rw.started = true
		}
	}
	return conn, brw, err
}

// Unwrap lets http.ResponseController find the writer underneath.
func (rw *recorder) Unwrap() http.ResponseWriter {
	return rw.ResponseWriter
}

// statusOrOK is the status a client saw: a handler that returns without
// writing anything gets an implicit 200.
func (rw *recorder) statusOrOK() int {
	if rw.status == 0 {
		return http.StatusOK
	}
	return rw.status
}
