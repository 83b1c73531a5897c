// libcni-client: a small CNI runtime for urunc-tap's end-to-end tests.
//
// It drives a conflist through github.com/containernetworking/cni/libcni, the
// same library containerd, CRI-O and cnitool use, so the tests see exactly what
// a real runtime does: the chaining of prevResult on ADD, the result cache that
// feeds prevResult to CHECK and DEL, the version conversions, and the way
// plugin errors are parsed from stdout. Testing against a hand-written
// imitation of that behaviour would only test our own assumptions.
//
// The command line mirrors cnitool (which Debian does not package):
//
//	libcni-client add|check|del <net> <netns-path>
//
// Environment (cnitool's, plus CNI_CONTAINERID and CNI_CACHE_DIR):
//
//	NETCONFPATH      directory of *.conflist / *.conf files (default /etc/cni/net.d);
//	                 the network is found by its "name", as cnitool does
//	CNI_PATH         colon-separated plugin directories
//	CNI_ARGS         "K=V;K=V", passed to the plugins as CNI_ARGS
//	CAP_ARGS         JSON object of capability args (runtimeConfig), e.g. {"mac":"..."}
//	CNI_IFNAME       interface name (default eth0)
//	CNI_CONTAINERID  container id (default: derived from the netns path like cnitool)
//	CNI_CACHE_DIR    libcni cache directory (default /var/lib/cni); results land in
//	                 $CNI_CACHE_DIR/results/<net>-<containerid>-<ifname>
//
// An empty <netns-path> ("") is passed through as an empty CNI_NETNS (the spec
// allows it on DEL) instead of being made absolute; set CNI_CONTAINERID then so
// the cached result of the ADD is found.
//
// Output: on add, the final result JSON on stdout. On failure, exit status 1
// and the error on stderr: as one line of JSON {"code","msg","details","error"}
// when a plugin returned a CNI error (so a test can read the code; "error" is
// libcni's full message with the failing plugin's name), as plain text
// otherwise. Usage errors exit with 2. Plugins inherit this process's
// environment (libcni passes os.Environ() through), and their stderr is copied
// to ours when they succeed; libcni drops it when they fail with JSON on stdout.
package main

import (
	"context"
	"crypto/sha512"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/containernetworking/cni/libcni"
	"github.com/containernetworking/cni/pkg/types"
)

const (
	defaultNetDir = "/etc/cni/net.d"
	defaultIfName = "eth0"
)

func usage() {
	exe := filepath.Base(os.Args[0])
	fmt.Fprintf(os.Stderr, "%s: add, check or remove a CNI network (conflist) in a network namespace\n", exe)
	fmt.Fprintf(os.Stderr, "  %s add   <net> <netns-path>\n", exe)
	fmt.Fprintf(os.Stderr, "  %s check <net> <netns-path>\n", exe)
	fmt.Fprintf(os.Stderr, "  %s del   <net> <netns-path>\n", exe)
	fmt.Fprintf(os.Stderr, "env: NETCONFPATH CNI_PATH CNI_ARGS CAP_ARGS CNI_IFNAME CNI_CONTAINERID CNI_CACHE_DIR\n")
	os.Exit(2)
}

// parseCNIArgs splits "K=V;K=V" like cnitool, but tolerates empty pairs (a
// trailing ';') and '=' inside values, which cnitool rejects.
func parseCNIArgs(s string) ([][2]string, error) {
	var out [][2]string
	for _, pair := range strings.Split(s, ";") {
		if pair == "" {
			continue
		}
		kv := strings.SplitN(pair, "=", 2)
		if len(kv) != 2 || kv[0] == "" {
			return nil, fmt.Errorf("invalid CNI_ARGS pair %q", pair)
		}
		out = append(out, [2]string{kv[0], kv[1]})
	}
	return out, nil
}

// containerIDFor reproduces cnitool's id: "cnitool-" + the first 10 bytes of
// sha512(absolute netns path), in hex. Keeping cnitool's scheme means an ADD
// and a later DEL on the same path meet the same cache entry without the test
// having to invent ids, and results are interchangeable with cnitool's.
func containerIDFor(netns string) string {
	sum := sha512.Sum512([]byte(netns))
	return fmt.Sprintf("cnitool-%x", sum[:10])
}

// fail prints err and exits 1. libcni wraps plugin errors with fmt.Errorf("%w")
// ("plugin type=... failed (add): ..."), so errors.As is needed to reach the
// *types.Error that invoke built from the plugin's stdout.
func fail(err error) {
	var cniErr *types.Error
	if errors.As(err, &cniErr) {
		out, jerr := json.Marshal(struct {
			Code    uint   `json:"code"`
			Msg     string `json:"msg"`
			Details string `json:"details,omitempty"`
			Error   string `json:"error"`
		}{cniErr.Code, cniErr.Msg, cniErr.Details, err.Error()})
		if jerr == nil {
			fmt.Fprintln(os.Stderr, string(out))
			os.Exit(1)
		}
	}
	fmt.Fprintln(os.Stderr, err.Error())
	os.Exit(1)
}

func main() {
	if len(os.Args) != 4 {
		usage()
	}
	verb, netName, netns := os.Args[1], os.Args[2], os.Args[3]
	if verb != "add" && verb != "check" && verb != "del" {
		usage()
	}

	netDir := os.Getenv("NETCONFPATH")
	if netDir == "" {
		netDir = defaultNetDir
	}
	// LoadConfList finds the *.conflist whose "name" is netName (files sorted
	// by name, first match wins) and falls back to a single *.conf/*.json.
	list, err := libcni.LoadConfList(netDir, netName)
	if err != nil {
		fail(err)
	}

	var capArgs map[string]interface{}
	if s := os.Getenv("CAP_ARGS"); s != "" {
		if err := json.Unmarshal([]byte(s), &capArgs); err != nil {
			fail(fmt.Errorf("invalid CAP_ARGS: %w", err))
		}
	}

	cniArgs, err := parseCNIArgs(os.Getenv("CNI_ARGS"))
	if err != nil {
		fail(err)
	}

	// LookupEnv, not Getenv: like cnitool, an explicitly empty CNI_IFNAME is
	// passed on (libcni then rejects it on ADD), which lets a test exercise that.
	ifName, ok := os.LookupEnv("CNI_IFNAME")
	if !ok {
		ifName = defaultIfName
	}

	if netns != "" {
		if netns, err = filepath.Abs(netns); err != nil {
			fail(err)
		}
	}

	containerID := os.Getenv("CNI_CONTAINERID")
	if containerID == "" {
		containerID = containerIDFor(netns)
	}

	// An empty cache dir makes libcni use its default, /var/lib/cni.
	// A nil exec makes libcni run the plugins from disk (invoke.DefaultExec).
	cninet := libcni.NewCNIConfigWithCacheDir(
		filepath.SplitList(os.Getenv("CNI_PATH")), os.Getenv("CNI_CACHE_DIR"), nil)

	rt := &libcni.RuntimeConf{
		ContainerID:    containerID,
		NetNS:          netns,
		IfName:         ifName,
		Args:           cniArgs,
		CapabilityArgs: capArgs,
	}

	// No timeout, as in cnitool: the test harness bounds each call itself.
	ctx := context.Background()
	switch verb {
	case "add":
		result, err := cninet.AddNetworkList(ctx, list, rt)
		if err != nil {
			fail(err)
		}
		// The result is printed in the version the last plugin returned it in;
		// libcni does not convert it to the conflist's cniVersion on ADD.
		if err := result.Print(); err != nil {
			fail(err)
		}
		fmt.Println()
	case "check":
		if err := cninet.CheckNetworkList(ctx, list, rt); err != nil {
			fail(err)
		}
	case "del":
		if err := cninet.DelNetworkList(ctx, list, rt); err != nil {
			fail(err)
		}
	}
}
