// Command kube-apiserver is Bascule's local Kubernetes API server for tests and
// demos: the upstream apiextensions API server (CustomResourceDefinitions and
// custom resources, on etcd), built from Debian's packaged Kubernetes sources by
// hack/cluster/up.sh.
//
// It exists because the stock apiextensions-apiserver main will not run alone:
// it insists on delegated authentication and authorization against a core
// Kubernetes API server, and it leaves root discovery (/api, /apis) to the
// aggregator. This main instead
//
//   - serves on loopback only, with no authentication and no authorization
//     (every request is allowed; any bearer token is accepted), no admission
//     plugins and no priority-and-fairness, none of which work without a core API;
//   - uses a webhook service resolver that needs no core API (so conversion
//     webhooks are unavailable);
//   - serves OpenAPI v2 and v3, which kubectl's client-side validation and
//     `kubectl explain` need (the CRD OpenAPI v3 controller starts only when the
//     v2 spec is configured too);
//   - serves /apis and /api itself, with aggregated discovery over the server's
//     own discovery managers, so kubectl finds custom resources.
//
// Never expose it beyond 127.0.0.1.
package main

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"sync/atomic"

	"github.com/spf13/pflag"
	noopoteltrace "go.opentelemetry.io/otel/trace/noop"

	"k8s.io/apiextensions-apiserver/pkg/apiserver"
	"k8s.io/apiextensions-apiserver/pkg/cmd/server/options"
	generatedopenapi "k8s.io/apiextensions-apiserver/pkg/generated/openapi"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	discoveryendpoint "k8s.io/apiserver/pkg/endpoints/discovery/aggregated"
	genericfilters "k8s.io/apiserver/pkg/endpoints/filters"
	"k8s.io/apiserver/pkg/endpoints/handlers/negotiation"
	"k8s.io/apiserver/pkg/endpoints/handlers/responsewriters"
	openapinamer "k8s.io/apiserver/pkg/endpoints/openapi"
	genericapiserver "k8s.io/apiserver/pkg/server"
	"k8s.io/apiserver/pkg/util/notfoundhandler"
	"k8s.io/apiserver/pkg/util/openapi"
	"k8s.io/apiserver/pkg/util/webhook"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/component-base/cli/globalflag"
	"k8s.io/component-base/version"
	"k8s.io/klog/v2"
	netutils "k8s.io/utils/net"
)

func main() {
	if err := run(); err != nil {
		klog.ErrorS(err, "kube-apiserver failed")
		klog.Flush()
		os.Exit(1)
	}
}

func run() error {
	ctx := genericapiserver.SetupSignalContext()
	o := options.NewCustomResourceDefinitionsServerOptions(os.Stdout, os.Stderr)
	if err := parseFlags(o); err != nil {
		return err
	}
	if err := o.Complete(); err != nil {
		return err
	}
	if err := o.Validate(); err != nil {
		return err
	}

	// The delegate exists before the server; its handler reaches the server's
	// discovery managers through this pointer, filled in after New().
	var server atomic.Pointer[genericapiserver.GenericAPIServer]
	config, err := newConfig(o)
	if err != nil {
		return err
	}
	delegate := genericapiserver.NewEmptyDelegateWithCustomHandler(
		rootDiscoveryHandler(&server, config.GenericConfig.Serializer))
	s, err := config.Complete().New(delegate)
	if err != nil {
		return err
	}
	server.Store(s.GenericAPIServer)

	klog.InfoS("starting local API server", "version", version.Get().GitVersion)
	return s.GenericAPIServer.PrepareRun().RunWithContext(ctx)
}

// parseFlags registers the stock server's flags with the parts this server does
// not use removed, parses the command line and sets the component globals.
func parseFlags(o *options.CustomResourceDefinitionsServerOptions) error {
	ro := o.RecommendedOptions
	ro.Authentication = nil
	ro.Authorization = nil
	ro.CoreAPI = nil
	ro.Admission = nil
	ro.Features.EnablePriorityAndFairness = false

	fs := pflag.NewFlagSet("kube-apiserver", pflag.ContinueOnError)
	o.AddFlags(fs)
	globalflag.AddGlobalFlags(fs, "kube-apiserver")
	if err := fs.Parse(os.Args[1:]); err != nil {
		return err
	}
	return o.ServerRunOptions.ComponentGlobalsRegistry.Set()
}

// newConfig does what options.Config() does, without the core API: a service
// resolver that always fails, and OpenAPI v2 next to v3.
func newConfig(o *options.CustomResourceDefinitionsServerOptions) (*apiserver.Config, error) {
	loopback := []net.IP{netutils.ParseIPSloppy("127.0.0.1")}
	err := o.RecommendedOptions.SecureServing.MaybeDefaultWithSelfSignedCerts("localhost", nil, loopback)
	if err != nil {
		return nil, fmt.Errorf("creating self-signed certificates: %w", err)
	}

	serverConfig := genericapiserver.NewRecommendedConfig(apiserver.Codecs)
	if err := o.ServerRunOptions.ApplyTo(&serverConfig.Config); err != nil {
		return nil, err
	}
	if err := o.RecommendedOptions.ApplyTo(serverConfig); err != nil {
		return nil, err
	}
	resources := apiserver.DefaultAPIResourceConfigSource()
	if err := o.APIEnablement.ApplyTo(&serverConfig.Config, resources, apiserver.Scheme); err != nil {
		return nil, err
	}

	definitions := openapi.GetOpenAPIDefinitionsWithoutDisabledFeatures(
		generatedopenapi.GetOpenAPIDefinitions)
	namer := openapinamer.NewDefinitionNamer(apiserver.Scheme, scheme.Scheme)
	serverConfig.OpenAPIConfig = genericapiserver.DefaultOpenAPIConfig(definitions, namer)
	serverConfig.OpenAPIConfig.Info.Title = "Kubernetes"
	serverConfig.OpenAPIV3Config = genericapiserver.DefaultOpenAPIV3Config(definitions, namer)
	serverConfig.OpenAPIV3Config.Info.Title = "Kubernetes"

	restOptions := options.NewCRDRESTOptionsGetter(*o.RecommendedOptions.Etcd,
		serverConfig.ResourceTransformers, serverConfig.StorageObjectCountTracker)
	authWrapper := webhook.NewDefaultAuthenticationInfoResolverWrapper(nil, nil,
		serverConfig.LoopbackClientConfig, noopoteltrace.NewTracerProvider())
	return &apiserver.Config{
		GenericConfig: serverConfig,
		ExtraConfig: apiserver.ExtraConfig{
			CRDRESTOptionsGetter: restOptions,
			ServiceResolver:      noServices{},
			AuthResolverWrapper:  authWrapper,
		},
	}, nil
}

// noServices resolves no Service: there is no core API to look one up in.
type noServices struct{}

func (noServices) ResolveEndpoint(namespace, name string, _ int32) (*url.URL, error) {
	return nil, errors.New("service " + namespace + "/" + name +
		" cannot be resolved: the local API server has no core API")
}

// rootDiscoveryHandler serves /apis and /api, which the aggregator serves in a
// full cluster, and answers 404 for every other path that reaches it.
func rootDiscoveryHandler(
	server *atomic.Pointer[genericapiserver.GenericAPIServer],
	serializer runtime.NegotiatedSerializer,
) http.Handler {
	notFound := notfoundhandler.New(serializer, genericfilters.NoMuxAndDiscoveryIncompleteKey)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := server.Load()
		if s == nil || r.Method != http.MethodGet {
			notFound.ServeHTTP(w, r)
			return
		}

		switch r.URL.Path {
		case "/apis", "/apis/":
			discoveryendpoint.WrapAggregatedDiscoveryToHandler(s.DiscoveryGroupManager,
				s.AggregatedDiscoveryGroupManager, nil).ServeHTTP(w, r)
		case "/api", "/api/":
			legacy := noLegacyVersions{serializer}
			discoveryendpoint.WrapAggregatedDiscoveryToHandler(legacy,
				s.AggregatedLegacyDiscoveryGroupManager, nil).ServeHTTP(w, r)
		default:
			notFound.ServeHTTP(w, r)
		}
	})
}

// noLegacyVersions serves /api with an empty version list: there is no core/v1.
type noLegacyVersions struct {
	serializer runtime.NegotiatedSerializer
}

func (h noLegacyVersions) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	versions := &metav1.APIVersions{Versions: []string{}}
	responsewriters.WriteObjectNegotiated(h.serializer, negotiation.DefaultEndpointRestrictions,
		schema.GroupVersion{}, w, r, http.StatusOK, versions, false)
}
