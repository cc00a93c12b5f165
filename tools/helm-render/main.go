// helm-render renders a Helm chart the way `helm template` does, closely enough to test
// helm/chat-node on a machine without helm. It uses only Debian-packaged Go libraries
// (golang-github-masterminds-sprig-dev, golang-gopkg-yaml.v3-dev) and builds offline in GOPATH mode:
//
//	GO111MODULE=off GOPATH=/usr/share/gocode go build -o helm-render .
//
// (scripts/test-helm.sh does this). Usage: helm-render [--strict] [--notes] [--show-values]
// [--name R] [--namespace NS] [-f values.yaml]... [--set a.b=v]... CHART_DIR
//
// What it mimics from helm (pkg/engine, pkg/chartutil):
//   - values: chart values.yaml, deep-merged with every -f file in order, then --set key.path=value;
//     numbers are float64 as in helm (values go through JSON);
//   - .Values .Release .Chart .Capabilities .Files .Template;
//   - funcs: sprig.TxtFuncMap() minus env/expandenv, plus toYaml fromYaml fromYamlArray toJson
//     fromJson fromJsonArray include tpl required lookup (always an empty map);
//   - missingkey=zero and "<no value>" removed (helm's non-strict mode), or missingkey=error with
//     --strict (what `helm lint --strict` does);
//   - every templates/*.yaml|yml|tpl|txt not starting with "_" is rendered; NOTES.txt only with --notes.
//
// It does not do subcharts, .helmignore, kind-ordered output or schema validation.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig"
	yaml "gopkg.in/yaml.v3"
)

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// ---------------------------------------------------------------------------------------------
// .Files

// Files maps a chart-relative path to its content (helm's chart.Files).
type Files map[string][]byte

func (f Files) GetBytes(name string) []byte { return f[name] }
func (f Files) Get(name string) string      { return string(f[name]) }

// Glob returns the files whose path matches a shell pattern ("**" matches across directories).
func (f Files) Glob(pattern string) Files {
	out := Files{}
	for name, data := range f {
		if globMatch(pattern, name) {
			out[name] = data
		}
	}
	return out
}

// AsConfig renders the files as a ConfigMap data block (base name: content).
func (f Files) AsConfig() string {
	m := map[string]string{}
	for name, data := range f {
		m[path.Base(name)] = string(data)
	}
	return mustYAML(m)
}

// Lines splits one file into lines.
func (f Files) Lines(name string) []string {
	s := strings.TrimRight(string(f[name]), "\n")
	if s == "" {
		return []string{}
	}
	return strings.Split(s, "\n")
}

func globMatch(pattern, name string) bool {
	if strings.Contains(pattern, "**") {
		prefix := pattern[:strings.Index(pattern, "**")]
		suffix := strings.TrimPrefix(pattern[strings.Index(pattern, "**")+2:], "/")
		if !strings.HasPrefix(name, prefix) {
			return false
		}
		ok, _ := path.Match(suffix, path.Base(name))
		return suffix == "" || ok
	}
	ok, _ := path.Match(pattern, name)
	return ok
}

// ---------------------------------------------------------------------------------------------
// .Capabilities

type KubeVersion struct {
	Version, Major, Minor string
}

func (k KubeVersion) String() string     { return k.Version }
func (k KubeVersion) GitVersion() string { return k.Version }

type VersionSet []string

// Has reports whether an API version ("policy/v1") or a version/kind ("policy/v1/PodDisruptionBudget") is known.
func (v VersionSet) Has(apiVersion string) bool {
	for _, x := range v {
		if x == apiVersion {
			return true
		}
	}
	return false
}

type Capabilities struct {
	KubeVersion KubeVersion
	APIVersions VersionSet
}

// ---------------------------------------------------------------------------------------------
// YAML / JSON helpers

// normalize turns integral float64 values into int64 so that YAML output reads "3", not "3e+00".
func normalize(v interface{}) interface{} {
	switch x := v.(type) {
	case map[string]interface{}:
		out := make(map[string]interface{}, len(x))
		for k, e := range x {
			out[k] = normalize(e)
		}
		return out
	case []interface{}:
		out := make([]interface{}, len(x))
		for i, e := range x {
			out[i] = normalize(e)
		}
		return out
	case float64:
		if x == float64(int64(x)) && x < 1e15 && x > -1e15 {
			return int64(x)
		}
		return x
	}
	return v
}

// jsonRoundTrip converts any value to plain maps/slices/float64 as helm's values are.
func jsonRoundTrip(v interface{}) (interface{}, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out interface{}
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, err
	}
	return out, nil
}

func toYAML(v interface{}) (string, error) {
	plain, err := jsonRoundTrip(v)
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(normalize(plain)); err != nil {
		return "", err
	}
	enc.Close()
	return strings.TrimSuffix(buf.String(), "\n"), nil
}

func mustYAML(v interface{}) string {
	s, err := toYAML(v)
	if err != nil {
		return ""
	}
	return s
}

func parseYAMLDoc(data []byte) (map[string]interface{}, error) {
	var raw interface{}
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return nil, err
	}
	if raw == nil {
		return map[string]interface{}{}, nil
	}
	plain, err := jsonRoundTrip(raw)
	if err != nil {
		return nil, err
	}
	m, ok := plain.(map[string]interface{})
	if !ok {
		return nil, errors.New("top level is not a mapping")
	}
	return m, nil
}

// deepMerge merges src into dst: maps merge recursively, everything else (lists included) replaces.
// A null in src deletes the key, as in helm.
func deepMerge(dst, src map[string]interface{}) map[string]interface{} {
	for k, sv := range src {
		if sv == nil {
			delete(dst, k)
			continue
		}
		sm, sIsMap := sv.(map[string]interface{})
		dm, dIsMap := dst[k].(map[string]interface{})
		if sIsMap && dIsMap {
			dst[k] = deepMerge(dm, sm)
		} else {
			dst[k] = sv
		}
	}
	return dst
}

// setPath applies one --set a.b.c=value (value parsed as a YAML scalar).
func setPath(values map[string]interface{}, expr string) error {
	eq := strings.Index(expr, "=")
	if eq < 1 {
		return fmt.Errorf("--set %q: want key.path=value", expr)
	}
	keys := strings.Split(expr[:eq], ".")
	var val interface{}
	if err := yaml.Unmarshal([]byte(expr[eq+1:]), &val); err != nil {
		return fmt.Errorf("--set %q: %v", expr, err)
	}
	plain, err := jsonRoundTrip(val)
	if err != nil {
		return err
	}
	cur := values
	for _, k := range keys[:len(keys)-1] {
		next, ok := cur[k].(map[string]interface{})
		if !ok {
			next = map[string]interface{}{}
			cur[k] = next
		}
		cur = next
	}
	cur[keys[len(keys)-1]] = plain
	return nil
}

// ---------------------------------------------------------------------------------------------
// Chart loading

type chartDir struct {
	dir       string
	meta      map[string]interface{} // Chart.yaml as written
	values    map[string]interface{}
	files     Files
	templates map[string]string // "<chart>/templates/x.yaml" -> source
}

func loadChart(dir string) (*chartDir, error) {
	c := &chartDir{dir: dir, files: Files{}, templates: map[string]string{}}
	raw, err := os.ReadFile(filepath.Join(dir, "Chart.yaml"))
	if err != nil {
		return nil, err
	}
	if c.meta, err = parseYAMLDoc(raw); err != nil {
		return nil, fmt.Errorf("Chart.yaml: %v", err)
	}
	name, _ := c.meta["name"].(string)
	if name == "" {
		return nil, errors.New("Chart.yaml: name is required")
	}
	c.values = map[string]interface{}{}
	if vraw, err := os.ReadFile(filepath.Join(dir, "values.yaml")); err == nil {
		if c.values, err = parseYAMLDoc(vraw); err != nil {
			return nil, fmt.Errorf("values.yaml: %v", err)
		}
	}
	err = filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if info.IsDir() {
			if rel == "charts" {
				return filepath.SkipDir
			}
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if strings.HasPrefix(rel, "templates/") {
			c.templates[name+"/"+rel] = string(data)
			return nil
		}
		if rel != "Chart.yaml" && rel != "values.yaml" && rel != "values.schema.json" {
			c.files[rel] = data
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// chartObject is .Chart with helm's capitalised field names.
func chartObject(meta map[string]interface{}) map[string]interface{} {
	out := map[string]interface{}{}
	rename := map[string]string{"apiVersion": "APIVersion", "appVersion": "AppVersion", "kubeVersion": "KubeVersion"}
	for k, v := range meta {
		if n, ok := rename[k]; ok {
			out[n] = v
		} else {
			out[strings.ToUpper(k[:1])+k[1:]] = v
		}
	}
	for _, k := range []string{"Name", "Version", "AppVersion", "Description", "Type", "Home", "Icon"} {
		if _, ok := out[k]; !ok {
			out[k] = ""
		}
	}
	return out
}

// ---------------------------------------------------------------------------------------------
// Engine

const recursionMax = 1000

type engine struct {
	tmpl   *template.Template
	strict bool
}

func (e *engine) funcMap() template.FuncMap {
	f := sprig.TxtFuncMap()
	delete(f, "env")
	delete(f, "expandenv")
	included := map[string]int{}
	extra := template.FuncMap{
		"toYaml": func(v interface{}) string { return mustYAML(v) },
		"mustToYaml": func(v interface{}) (string, error) {
			return toYAML(v)
		},
		"fromYaml": func(s string) map[string]interface{} {
			m, err := parseYAMLDoc([]byte(s))
			if err != nil {
				return map[string]interface{}{"Error": err.Error()}
			}
			return m
		},
		"fromYamlArray": func(s string) []interface{} {
			var raw interface{}
			if err := yaml.Unmarshal([]byte(s), &raw); err != nil {
				return []interface{}{err.Error()}
			}
			plain, _ := jsonRoundTrip(raw)
			a, _ := plain.([]interface{})
			return a
		},
		"toJson": func(v interface{}) string {
			b, err := json.Marshal(v)
			if err != nil {
				return ""
			}
			return string(b)
		},
		"fromJson": func(s string) map[string]interface{} {
			m := map[string]interface{}{}
			if err := json.Unmarshal([]byte(s), &m); err != nil {
				m["Error"] = err.Error()
			}
			return m
		},
		"fromJsonArray": func(s string) []interface{} {
			var a []interface{}
			if err := json.Unmarshal([]byte(s), &a); err != nil {
				return []interface{}{err.Error()}
			}
			return a
		},
		"required": func(msg string, v interface{}) (interface{}, error) {
			if v == nil {
				return v, errors.New(msg)
			}
			if s, ok := v.(string); ok && s == "" {
				return v, errors.New(msg)
			}
			return v, nil
		},
		"lookup": func(apiVersion, kind, namespace, name string) (map[string]interface{}, error) {
			return map[string]interface{}{}, nil
		},
		"include": func(name string, data interface{}) (string, error) {
			if included[name] > recursionMax {
				return "", fmt.Errorf("include %q: recursion limit reached", name)
			}
			included[name]++
			defer func() { included[name]-- }()
			var buf strings.Builder
			if err := e.tmpl.ExecuteTemplate(&buf, name, data); err != nil {
				return "", err
			}
			return buf.String(), nil
		},
		"tpl": func(text string, data interface{}) (string, error) {
			t, err := e.tmpl.Clone()
			if err != nil {
				return "", err
			}
			t, err = t.New("tpl").Parse(text)
			if err != nil {
				return "", fmt.Errorf("tpl: %v", err)
			}
			var buf strings.Builder
			if err := t.Execute(&buf, data); err != nil {
				return "", fmt.Errorf("tpl: %v", err)
			}
			return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
		},
	}
	for k, v := range extra {
		f[k] = v
	}
	return f
}

func (e *engine) parse(templates map[string]string) error {
	e.tmpl = template.New("gotpl")
	if e.strict {
		e.tmpl.Option("missingkey=error")
	} else {
		e.tmpl.Option("missingkey=zero")
	}
	e.tmpl.Funcs(e.funcMap())
	names := sortedKeys(templates)
	for _, name := range names {
		if _, err := e.tmpl.New(name).Parse(templates[name]); err != nil {
			return err
		}
	}
	return nil
}

func (e *engine) render(name string, top map[string]interface{}) (string, error) {
	vals := map[string]interface{}{}
	for k, v := range top {
		vals[k] = v
	}
	vals["Template"] = map[string]interface{}{"Name": name, "BasePath": path.Dir(name)}
	var buf strings.Builder
	if err := e.tmpl.ExecuteTemplate(&buf, name, vals); err != nil {
		return "", err
	}
	return strings.ReplaceAll(buf.String(), "<no value>", ""), nil
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// ---------------------------------------------------------------------------------------------

func main() {
	var valueFiles, sets, apiVersions multiFlag
	releaseName := flag.String("name", "release-name", "release name (.Release.Name)")
	namespace := flag.String("namespace", "default", "release namespace (.Release.Namespace)")
	kubeVersion := flag.String("kube-version", "v1.30.0", "Kubernetes version for .Capabilities.KubeVersion")
	strict := flag.Bool("strict", false, "fail on a reference to a missing map key (helm lint --strict)")
	notes := flag.Bool("notes", false, "render templates/NOTES.txt instead of the manifests")
	showValues := flag.Bool("show-values", false, "print the merged values as YAML and exit")
	flag.Var(&valueFiles, "f", "values file to merge (repeatable)")
	flag.Var(&sets, "set", "key.path=value override (repeatable)")
	flag.Var(&apiVersions, "api-versions", "extra API version for .Capabilities.APIVersions (repeatable)")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "usage: helm-render [flags] CHART_DIR\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(flag.Arg(0), *releaseName, *namespace, *kubeVersion, *strict, *notes, *showValues,
		valueFiles, sets, apiVersions); err != nil {
		fmt.Fprintf(os.Stderr, "helm-render: %v\n", err)
		os.Exit(1)
	}
}

func run(dir, releaseName, namespace, kubeVersion string, strict, notes, showValues bool,
	valueFiles, sets, extraAPIs []string) error {
	c, err := loadChart(dir)
	if err != nil {
		return err
	}
	values := c.values
	for _, vf := range valueFiles {
		raw, err := os.ReadFile(vf)
		if err != nil {
			return err
		}
		m, err := parseYAMLDoc(raw)
		if err != nil {
			return fmt.Errorf("%s: %v", vf, err)
		}
		values = deepMerge(values, m)
	}
	for _, s := range sets {
		if err := setPath(values, s); err != nil {
			return err
		}
	}
	if showValues {
		s, err := toYAML(values)
		if err != nil {
			return err
		}
		fmt.Println(s)
		return nil
	}

	kv := strings.TrimPrefix(kubeVersion, "v")
	parts := strings.SplitN(kv, ".", 3)
	if len(parts) < 2 {
		return fmt.Errorf("bad --kube-version %q", kubeVersion)
	}
	if _, err := strconv.Atoi(parts[1]); err != nil {
		return fmt.Errorf("bad --kube-version %q", kubeVersion)
	}
	apis := VersionSet{"v1", "apps/v1", "batch/v1", "policy/v1", "autoscaling/v2",
		"networking.k8s.io/v1", "rbac.authorization.k8s.io/v1"}
	apis = append(apis, extraAPIs...)

	top := map[string]interface{}{
		"Values": values,
		"Release": map[string]interface{}{
			"Name": releaseName, "Namespace": namespace, "Service": "Helm",
			"IsInstall": true, "IsUpgrade": false, "Revision": 1,
		},
		"Chart":        chartObject(c.meta),
		"Capabilities": Capabilities{KubeVersion{"v" + kv, parts[0], parts[1]}, apis},
		"Files":        c.files,
	}

	e := &engine{strict: strict}
	if err := e.parse(c.templates); err != nil {
		return err
	}

	chartName := c.meta["name"].(string)
	if notes {
		name := chartName + "/templates/NOTES.txt"
		if _, ok := c.templates[name]; !ok {
			return errors.New("chart has no templates/NOTES.txt")
		}
		out, err := e.render(name, top)
		if err != nil {
			return err
		}
		fmt.Print(out)
		return nil
	}

	var out strings.Builder
	for _, name := range sortedKeys(c.templates) {
		base := path.Base(name)
		if strings.HasPrefix(base, "_") || base == "NOTES.txt" {
			continue
		}
		if ext := path.Ext(base); ext != ".yaml" && ext != ".yml" && ext != ".tpl" {
			continue
		}
		rendered, err := e.render(name, top)
		if err != nil {
			return err
		}
		if strings.TrimSpace(rendered) == "" {
			continue
		}
		// helm splits a file into documents; a file that renders only "---" separators yields nothing.
		for _, doc := range splitDocs(rendered) {
			fmt.Fprintf(&out, "---\n# Source: %s\n%s\n", name, doc)
		}
	}
	fmt.Print(out.String())
	return nil
}

// splitDocs splits rendered text at "---" lines and drops documents that are empty or only comments.
func splitDocs(s string) []string {
	var docs []string
	var cur []string
	flush := func() {
		text := strings.Trim(strings.Join(cur, "\n"), "\n")
		meaningful := false
		for _, l := range strings.Split(text, "\n") {
			t := strings.TrimSpace(l)
			if t != "" && !strings.HasPrefix(t, "#") {
				meaningful = true
				break
			}
		}
		if meaningful {
			docs = append(docs, text)
		}
		cur = nil
	}
	for _, line := range strings.Split(s, "\n") {
		if strings.TrimRight(line, " ") == "---" {
			flush()
			continue
		}
		cur = append(cur, line)
	}
	flush()
	return docs
}
