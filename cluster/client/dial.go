package client

import (
	"cmp"
	"errors"
	"fmt"
	"strings"

	"google.golang.org/grpc/status"
)

// Causes of a failed first connection, recognized by the text of the TLS
// or HTTP/2 error (see causes). A command line maps them to the flag that
// fixes them.
var (
	// ErrUnknownAuthority: the coordinator's certificate is not signed by
	// the CA the client trusts (a wrong or missing CA bundle).
	ErrUnknownAuthority = errors.New("the coordinator's certificate is signed by an unknown authority")
	// ErrServerName: the certificate does not name the server the client
	// verifies it under.
	ErrServerName = errors.New("the coordinator's certificate is not valid for the server name")
	// ErrNotTLS: the client speaks TLS to a plaintext coordinator.
	ErrNotTLS = errors.New("the coordinator does not speak TLS")
	// ErrNoPreface: the coordinator closed the connection before speaking
	// HTTP/2, as a TLS server does to a plaintext client.
	ErrNoPreface = errors.New("the coordinator closed the connection before speaking gRPC")
	// ErrUnauthenticated: the coordinator refused the call's bearer token
	// (missing or wrong).
	ErrUnauthenticated = errors.New("the coordinator refused the bearer token")
	// ErrRole: the server's certificate, of the cluster's CA, names
	// another role than coordinator (URI SAN thresher://<cluster-id>/<role>,
	// package identity): a worker's address, say.
	ErrRole = errors.New("the server's certificate is not a coordinator's")
	// ErrDial: no coordinator answered within the dial timeout.
	ErrDial = errors.New("no coordinator answered")
)

// causes lists the recognized causes. A cause is final once it is seen on
// that many attempts in a row: a TLS mismatch at once; a connection closed
// before the HTTP/2 preface (also a coordinator dying mid-handshake) after
// three attempts, about 0.7 s. With quote, the cause quotes the error's
// text, which says what the certificate names or how the connection ended,
// up to a character of end (default: a quotation mark, escaped or not;
// escaped ones are unescaped when end has none).
var causes = []struct {
	err   error
	text  string
	final int
	quote bool
	end   string
}{
	{ErrUnknownAuthority, "certificate signed by unknown authority", 1, false, ""},
	{ErrServerName, "certificate is valid for", 1, true, ""},
	{ErrServerName, "certificate is not valid for any names", 1, true, ""},
	{ErrNotTLS, "first record does not look like a TLS handshake", 1, false, ""},
	{ErrNoPreface, "error reading server preface", 3, true, ""},
	{ErrRole, "has role", 1, true, ";"},
}

// connectionCause returns the attempts in a row that make the cause of a
// failed connection final, and the recognized cause, or nil.
func connectionCause(err error) (int, error) {
	msg := err.Error()
	if s, ok := status.FromError(err); ok {
		msg = s.Message()
	}
	for _, c := range causes {
		i := strings.Index(msg, c.text)
		switch {
		case i < 0:
			continue
		case !c.quote:
			return c.final, c.err
		}
		quote, ends := msg[i:], cmp.Or(c.end, `"\`)
		if !strings.Contains(ends, `"`) {
			quote = strings.ReplaceAll(quote, `\"`, `"`)
		}
		if end := strings.IndexAny(quote, ends); end > 0 {
			quote = quote[:end]
		}
		return c.final, fmt.Errorf("%w: %s", c.err, quote)
	}
	return 0, nil
}
