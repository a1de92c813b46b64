package pki

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
)

const (
	maxNames      = 100
	maxNameLen    = 253
	maxLabelLen   = 63
	wildcardLabel = "*"
)

// serverNames sorts names into DNS names and IP addresses for the SANs of
// a server certificate. Every name must be one or the other; duplicates
// are dropped.
func serverNames(names []string) (dns []string, ips []net.IP, err error) {
	if len(names) == 0 {
		return nil, nil, fmt.Errorf("%w: no server names", ErrInvalidRequest)
	}
	if len(names) > maxNames {
		return nil, nil, fmt.Errorf("%w: %d server names, at most %d", ErrInvalidRequest, len(names), maxNames)
	}
	seen := make(map[string]bool, len(names))
	for _, n := range names {
		if addr, perr := netip.ParseAddr(n); perr == nil {
			if addr.Zone() != "" {
				return nil, nil, fmt.Errorf("%w: IP address %q has a zone", ErrInvalidRequest, n)
			}
			if !seen[addr.String()] {
				seen[addr.String()] = true
				ips = append(ips, net.IP(addr.AsSlice()))
			}
			continue
		}
		if err := checkDNSName(n); err != nil {
			return nil, nil, fmt.Errorf("%w: %q is neither an IP address nor a valid DNS name: %w",
				ErrInvalidRequest, n, err)
		}
		if !seen[n] {
			seen[n] = true
			dns = append(dns, n)
		}
	}
	return dns, ips, nil
}

// checkDNSName accepts lowercase ASCII host names of LDH labels, with an
// optional leading "*." wildcard label covering at least two labels.
// Uppercase is refused rather than folded, so the name in the certificate
// is byte for byte the one asked for.
func checkDNSName(name string) error {
	if name == "" {
		return errors.New("empty")
	}
	if len(name) > maxNameLen {
		return fmt.Errorf("longer than %d bytes", maxNameLen)
	}
	labels := strings.Split(name, ".")
	if labels[0] == wildcardLabel {
		labels = labels[1:]
		if len(labels) < 2 {
			return errors.New("a wildcard must cover at least two labels")
		}
	}
	for _, l := range labels {
		if err := checkLabel(l); err != nil {
			return err
		}
	}
	// A last label of digits only would make "10.0.0" look like a
	// host name while peers may read it as an address.
	if strings.Trim(labels[len(labels)-1], "0123456789") == "" {
		return errors.New("the last label is all digits")
	}
	return nil
}

func checkLabel(l string) error {
	if l == "" {
		return errors.New("empty label")
	}
	if len(l) > maxLabelLen {
		return fmt.Errorf("label longer than %d bytes", maxLabelLen)
	}
	if l[0] == '-' || l[len(l)-1] == '-' {
		return errors.New("label starts or ends with a hyphen")
	}
	for i := 0; i < len(l); i++ {
		c := l[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			if c == '*' {
				return errors.New("a wildcard is allowed only as the whole first label")
			}
			return fmt.Errorf("byte %q not allowed (lowercase a-z, 0-9 and '-' only)", c)
		}
	}
	return nil
}
