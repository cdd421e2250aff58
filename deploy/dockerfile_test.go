package deploy

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// dockerfile returns the instructions of deploy/Dockerfile, continuation
// lines joined and comments dropped.
func dockerfile(t *testing.T) []string {
	t.Helper()
	raw, err := os.ReadFile("Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	cur := ""
	for _, line := range strings.Split(string(raw), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasSuffix(line, "\\") {
			cur += strings.TrimSuffix(line, "\\") + " "
			continue
		}
		out = append(out, cur+line)
		cur = ""
	}
	return out
}

// TestDockerfile checks what can be checked without a Docker engine: the
// builder's Go matches go.mod, the binary is static and the final image
// runs it as a non-root user.
func TestDockerfile(t *testing.T) {
	lines := dockerfile(t)
	all := strings.Join(lines, "\n")

	mod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	want := regexp.MustCompile(`(?m)^go (\S+)`).FindSubmatch(mod)
	if tc := regexp.MustCompile(`(?m)^toolchain go(\S+)`).FindSubmatch(mod); tc != nil {
		want = tc
	}
	if want == nil {
		t.Fatal("go.mod has no go directive")
	}
	if !strings.Contains(all, "ARG GO_VERSION="+string(want[1])+"\n") {
		t.Errorf("Dockerfile: want ARG GO_VERSION=%s, the Go of go.mod", want[1])
	}

	var froms, users []string
	entrypoint := ""
	for _, l := range lines {
		switch f := strings.Fields(l); strings.ToUpper(f[0]) {
		case "FROM":
			froms = append(froms, l)
		case "USER":
			users = append(users, f[1])
		case "ENTRYPOINT":
			entrypoint = l
		}
	}
	if len(froms) < 2 || !strings.Contains(froms[0], "golang:${GO_VERSION}") {
		t.Errorf("want a golang:${GO_VERSION} build stage and a final stage: %q", froms)
	} else if last := froms[len(froms)-1]; !strings.Contains(last, "distroless/static") && !strings.HasSuffix(last, " scratch") {
		t.Errorf("final stage %q: want distroless/static or scratch", last)
	}
	if len(users) == 0 || regexp.MustCompile(`^(0|root)(:|$)`).MatchString(users[len(users)-1]) {
		t.Errorf("the final image must run as a non-root user, USER %q", users)
	}
	for _, w := range []string{"CGO_ENABLED=0", "-trimpath", "./cmd/thresher", "-X main.version="} {
		if !strings.Contains(all, w) {
			t.Errorf("the build must use %s", w)
		}
	}
	// The final stage declares the build's version and labels the image
	// with the OCI annotations.
	final := all[strings.LastIndex(all, "\nFROM "):]
	for _, w := range []string{"ARG VERSION", "ARG REVISION", "ARG CREATED",
		`org.opencontainers.image.version="${VERSION}"`, `org.opencontainers.image.revision="${REVISION}"`,
		`org.opencontainers.image.created="${CREATED}"`, "org.opencontainers.image.source=", "org.opencontainers.image.title="} {
		if !strings.Contains(final, w) {
			t.Errorf("the final stage must have %s", w)
		}
	}
	if !strings.Contains(entrypoint, `["/usr/local/bin/thresher"]`) || !strings.Contains(all, "COPY --from=build /out/thresher /usr/local/bin/thresher") {
		t.Errorf("ENTRYPOINT %q must run the copied binary (exec form)", entrypoint)
	}
}

// TestDockerignoreKeepsSources checks that the ignore file keeps every
// source and embedded file of cmd/thresher in the build context.
func TestDockerignoreKeepsSources(t *testing.T) {
	raw, err := os.ReadFile("Dockerfile.dockerignore")
	if err != nil {
		t.Fatal(err)
	}
	var patterns []string
	for _, l := range strings.Split(string(raw), "\n") {
		if l = strings.TrimSpace(l); l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		if strings.HasPrefix(l, "!") || strings.Contains(strings.TrimPrefix(l, "**/"), "**") {
			t.Fatalf("pattern %q: this test only understands paths and **/name patterns", l)
		}
		patterns = append(patterns, l)
	}
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "list", "-deps", "-f",
		`{{if and .Module .Module.Main}}{{$d := .Dir}}{{range .GoFiles}}{{$d}}/{{.}}{{"\n"}}{{end}}{{range .EmbedFiles}}{{$d}}/{{.}}{{"\n"}}{{end}}{{end}}`,
		"./cmd/thresher")
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	files := strings.Fields(string(out))
	if len(files) < 10 {
		t.Fatalf("go list found only %d files", len(files))
	}
	for _, f := range append(files, filepath.Join(root, "go.mod"), filepath.Join(root, "go.sum")) {
		rel, err := filepath.Rel(root, f)
		if err != nil {
			t.Fatal(err)
		}
		if p := ignoredBy(patterns, filepath.ToSlash(rel)); p != "" {
			t.Errorf("%s is needed by the build but Dockerfile.dockerignore excludes it (%q)", rel, p)
		}
	}
}

// ignoredBy returns the pattern that excludes path: a pattern matches the
// path or one of its parent directories (".dockerignore" semantics); a
// "**/" pattern matches a file or directory name at any depth.
func ignoredBy(patterns []string, path string) string {
	parts := strings.Split(path, "/")
	for _, p := range patterns {
		for i := 1; i <= len(parts); i++ {
			prefix := strings.Join(parts[:i], "/")
			var ok bool
			if name, any := strings.CutPrefix(p, "**/"); any {
				ok, _ = filepath.Match(name, parts[i-1])
			} else {
				ok, _ = filepath.Match(strings.TrimSuffix(p, "/"), prefix)
			}
			if ok {
				return p
			}
		}
	}
	return ""
}

func TestIgnoredBy(t *testing.T) {
	patterns := []string{"bin", "*.md", "**/*_test.go", "**/testdata"}
	for path, want := range map[string]string{
		"bin/thresher":              "bin",
		"README.md":                 "*.md",
		"cmd/README.md":             "",
		"worker/worker_test.go":     "**/*_test.go",
		"a/testdata/b/c.csv":        "**/testdata",
		"cmd/thresher/main.go":      "",
		"binary/x.go":               "",
		"estimators/panel/panel.go": "",
	} {
		if got := ignoredBy(patterns, path); got != want {
			t.Errorf("%s: ignored by %q, want %q", path, got, want)
		}
	}
}
