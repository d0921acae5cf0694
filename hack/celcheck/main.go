// Command celcheck validates CustomResourceDefinition files the way a Kubernetes
// API server of an older release would, to prove that every
// x-kubernetes-validations rule (and messageExpression) compiles and stays
// within the CEL cost budgets there.
//
// It exists because Bascule promises to run on Kubernetes 1.30, while the local
// API server that the tests use (hack/kube-apiserver) is built from newer
// sources: a rule using a CEL library added after 1.30 would pass every local
// test and then be rejected by a 1.30 cluster at install time.
//
// The check runs the CRD create path of the apiextensions API server itself
// (defaulting, conversion to the internal type, PrepareForCreate, Validate), so
// compile errors, per-expression cost limits and the per-CRD total cost limit
// are judged by the same code as on a server. Only the CEL environment differs:
// it is pinned to the one an API server of -kube-version offers to new
// expressions, that is its CEL compatibility version, one minor below its own
// (a 1.30 server accepts in new rules only what 1.29 servers can also run).
//
// Usage: celcheck [-kube-version 1.30] crds/*.yaml
//
// Output: one line per failing rule or schema error, as
// "<file>: <crd>: <json path>: rule <rule>: <error>"; exit status 1 if any.
// When all pass, one summary line with the number of rules checked.
package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"

	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions"
	"k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/install"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apiextensions-apiserver/pkg/registry/customresourcedefinition"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation/field"
	"k8s.io/apimachinery/pkg/util/version"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/apiserver/pkg/cel/environment"
	"k8s.io/apiserver/pkg/util/compatibility"
	basecompatibility "k8s.io/component-base/compatibility"
	"sigs.k8s.io/yaml"
)

// rule is one x-kubernetes-validations entry, keyed by its field path in the
// internal CRD (the path the validation errors carry).
type rule struct {
	jsonPath, expr string
	hasMessageExpr bool
}

type result struct {
	crds, rules, messageExprs int
	failures                  []string
}

func main() {
	kubeVersion := flag.String("kube-version", "1.30",
		"oldest Kubernetes release (major.minor) whose API server must accept the rules")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: celcheck [-kube-version 1.30] crd.yaml...")
		os.Exit(2)
	}

	compat, err := pinCELCompatibility(*kubeVersion)
	if err != nil {
		fmt.Fprintln(os.Stderr, "celcheck:", err)
		os.Exit(2)
	}

	scheme := runtime.NewScheme()
	install.Install(scheme)
	var res result
	for _, file := range flag.Args() {
		if err := checkFile(scheme, file, &res); err != nil {
			res.failures = append(res.failures, fmt.Sprintf("%s: %v", file, err))
		}
	}

	for _, line := range res.failures {
		fmt.Println(line)
	}
	if len(res.failures) > 0 {
		os.Exit(1)
	}
	fmt.Printf("celcheck: %d rules (%d with messageExpression) in %d CRD(s) pass for Kubernetes %s "+
		"(CEL compatibility version %s, cost limits included)\n",
		res.rules, res.messageExprs, res.crds, *kubeVersion, compat)
}

// pinCELCompatibility makes environment.DefaultCompatibilityVersion(), which
// the CRD validation uses for new expressions, return what a server of
// kubeVersion uses: its minor minus one.
func pinCELCompatibility(kubeVersion string) (*version.Version, error) {
	v, err := version.ParseGeneric(kubeVersion)
	if err != nil {
		return nil, fmt.Errorf("-kube-version: %w", err)
	}
	compat := version.MajorMinor(v.Major(), v.Minor()).SubtractMinor(1)
	registered := compatibility.DefaultComponentGlobalsRegistry.EffectiveVersionFor(basecompatibility.DefaultKubeComponent)
	ev, ok := registered.(basecompatibility.MutableEffectiveVersion)
	if !ok {
		return nil, errors.New("no mutable effective version registered for kube")
	}
	ev.SetMinCompatibilityVersion(compat)
	if got := environment.DefaultCompatibilityVersion(); !got.EqualTo(compat) {
		return nil, fmt.Errorf("CEL compatibility version is %s, not %s", got, compat)
	}
	return compat, nil
}

func checkFile(scheme *runtime.Scheme, file string, res *result) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()

	reader := utilyaml.NewYAMLReader(bufio.NewReader(f))
	for {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if len(bytes.TrimSpace(doc)) == 0 {
			continue
		}
		if err := checkDocument(scheme, file, doc, res); err != nil {
			return err
		}
	}
}

// checkDocument runs one CRD through the API server's create path.
func checkDocument(scheme *runtime.Scheme, file string, doc []byte, res *result) error {
	var meta struct{ Kind string }
	if err := yaml.Unmarshal(doc, &meta); err != nil {
		return err
	}
	if meta.Kind != "CustomResourceDefinition" {
		return nil // only CRDs carry rules
	}
	// Strict: a misspelt key such as x-kubernetes-validation would otherwise
	// drop its rules silently.
	var external apiextensionsv1.CustomResourceDefinition
	if err := yaml.UnmarshalStrict(doc, &external); err != nil {
		return err
	}
	scheme.Default(&external)
	var crd apiextensions.CustomResourceDefinition
	if err := scheme.Convert(&external, &crd, nil); err != nil {
		return err
	}

	rules := collectRules(&crd)
	res.crds++
	for _, r := range rules {
		res.rules++
		if r.hasMessageExpr {
			res.messageExprs++
		}
	}

	strategy := customresourcedefinition.NewStrategy(scheme)
	ctx := context.Background()
	strategy.PrepareForCreate(ctx, &crd)
	for _, e := range strategy.Validate(ctx, &crd) {
		res.failures = append(res.failures, describe(file, crd.Name, e, rules))
	}
	return nil
}

var rulePath = regexp.MustCompile(`^(.*x-kubernetes-validations\[\d+\])(\.(\w+))?`)

// describe turns a validation error into one line naming the rule it concerns.
func describe(file, crd string, e *field.Error, rules map[string]rule) string {
	m := rulePath.FindStringSubmatch(e.Field)
	r, ok := rules[safeIndex(m, 1)]
	if !ok {
		return fmt.Sprintf("%s: %s: %s: %s: %s", file, crd, e.Field, e.Type, e.Detail)
	}
	what := "rule " + strconv.Quote(r.expr)
	if m[3] == "messageExpression" {
		what += " (messageExpression)"
	}
	detail := strings.ReplaceAll(e.Detail, "\n", " ")
	return fmt.Sprintf("%s: %s: %s: %s: %s: %s", file, crd, r.jsonPath, what, e.Type, detail)
}

func safeIndex(m []string, i int) string {
	if len(m) > i {
		return m[i]
	}
	return ""
}

// collectRules indexes every rule by the field path the validation uses. The
// v1-to-internal conversion lifts identical per-version schemas to
// spec.validation, so both places are walked.
func collectRules(crd *apiextensions.CustomResourceDefinition) map[string]rule {
	rules := map[string]rule{}
	if v := crd.Spec.Validation; v != nil {
		walk(v.OpenAPIV3Schema, field.NewPath("spec", "validation", "openAPIV3Schema"), "", rules)
	}
	for i, ver := range crd.Spec.Versions {
		if ver.Schema == nil {
			continue
		}
		path := field.NewPath("spec", "versions").Index(i).Child("schema", "openAPIV3Schema")
		walk(ver.Schema.OpenAPIV3Schema, path, ver.Name+":", rules)
	}
	return rules
}

// walk records the rules of s and of its children; jsonPath is how the report
// names s (".spec.replicas", "[*]" for items and map values).
func walk(s *apiextensions.JSONSchemaProps, path *field.Path, jsonPath string, rules map[string]rule) {
	if s == nil {
		return
	}
	for i, v := range s.XValidations {
		shown := jsonPath
		if shown == "" || strings.HasSuffix(shown, ":") {
			shown += "."
		}
		key := path.Child("x-kubernetes-validations").Index(i).String()
		rules[key] = rule{jsonPath: shown, expr: v.Rule, hasMessageExpr: v.MessageExpression != ""}
	}
	for name := range s.Properties {
		prop := s.Properties[name]
		walk(&prop, path.Child("properties").Key(name), jsonPath+"."+name, rules)
	}
	if s.Items != nil {
		walk(s.Items.Schema, path.Child("items"), jsonPath+"[*]", rules)
	}
	if s.AdditionalProperties != nil {
		walk(s.AdditionalProperties.Schema, path.Child("additionalProperties"), jsonPath+"[*]", rules)
	}
}
