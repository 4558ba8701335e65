package checks

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	kjson "k8s.io/apimachinery/pkg/runtime/serializer/json"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

// manifests is a kustomize build decoded into k8s.io/api types.
type manifests struct {
	objects []runtime.Object
}

// build runs kustomize on dir and decodes every object strictly: a field
// the API does not have (a typo, a wrong indentation) fails, as does a
// kind this package does not know.
func build(t *testing.T, dir string) manifests {
	t.Helper()
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	rm, err := k.Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		t.Fatalf("kustomize build %s: %v", dir, err)
	}
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{corev1.AddToScheme, appsv1.AddToScheme,
		networkingv1.AddToScheme, policyv1.AddToScheme, autoscalingv2.AddToScheme} {
		if err := add(scheme); err != nil {
			t.Fatal(err)
		}
	}
	codec := kjson.NewSerializerWithOptions(kjson.DefaultMetaFactory, scheme, scheme, kjson.SerializerOptions{Strict: true})
	var m manifests
	for _, r := range rm.Resources() {
		y, err := r.AsYAML()
		if err != nil {
			t.Fatal(err)
		}
		j, err := yaml.YAMLToJSONStrict(y)
		if err != nil {
			t.Fatalf("%s %s: %v", r.GetKind(), r.GetName(), err)
		}
		obj, _, err := codec.Decode(j, nil, nil)
		if err != nil {
			t.Errorf("%s %s: %v", r.GetKind(), r.GetName(), err)
			continue
		}
		m.objects = append(m.objects, obj)
	}
	return m
}

// all returns the objects of type T.
func all[T runtime.Object](m manifests) []T {
	var out []T
	for _, o := range m.objects {
		if v, ok := o.(T); ok {
			out = append(out, v)
		}
	}
	return out
}

// workload is a pod template with the name of what runs it.
type workload struct {
	name string
	pod  corev1.PodTemplateSpec
}

func workloads(m manifests) []workload {
	var out []workload
	for _, d := range all[*appsv1.Deployment](m) {
		out = append(out, workload{"Deployment " + d.Name, d.Spec.Template})
	}
	for _, s := range all[*appsv1.StatefulSet](m) {
		out = append(out, workload{"StatefulSet " + s.Name, s.Spec.Template})
	}
	return out
}

// podProblems lists what a pod template lacks: no service-account token;
// non-root; seccomp RuntimeDefault; and for every container liveness and
// readiness probes on a named port, requests and limits, a read-only root
// file system, no privilege escalation and no capabilities.
func podProblems(spec corev1.PodSpec) []string {
	var out []string
	if spec.AutomountServiceAccountToken == nil || *spec.AutomountServiceAccountToken {
		out = append(out, "automountServiceAccountToken is not false")
	}
	psc := spec.SecurityContext
	if psc == nil {
		psc = &corev1.PodSecurityContext{}
	}
	for _, c := range spec.Containers {
		bad := func(format string, args ...any) {
			out = append(out, fmt.Sprintf("container %s: ", c.Name)+fmt.Sprintf(format, args...))
		}
		ports := map[string]bool{}
		for _, p := range c.Ports {
			ports[p.Name] = true
		}
		for kind, p := range map[string]*corev1.Probe{"liveness": c.LivenessProbe, "readiness": c.ReadinessProbe} {
			switch {
			case p == nil:
				bad("no %s probe", kind)
			case p.HTTPGet != nil && !ports[p.HTTPGet.Port.String()]:
				bad("%s probe on port %q, which the container does not name", kind, p.HTTPGet.Port.String())
			case p.TCPSocket != nil && !ports[p.TCPSocket.Port.String()]:
				bad("%s probe on port %q, which the container does not name", kind, p.TCPSocket.Port.String())
			}
		}
		for _, res := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
			if _, ok := c.Resources.Requests[res]; !ok {
				bad("no %s request", res)
			}
			if _, ok := c.Resources.Limits[res]; !ok {
				bad("no %s limit", res)
			}
		}
		sc := c.SecurityContext
		if sc == nil {
			sc = &corev1.SecurityContext{}
		}
		if !isTrue(sc.RunAsNonRoot) && !isTrue(psc.RunAsNonRoot) {
			bad("runAsNonRoot is not true")
		}
		if uid := cmpOr(sc.RunAsUser, psc.RunAsUser); uid != nil && *uid == 0 {
			bad("runs as user 0")
		}
		if !isTrue(sc.ReadOnlyRootFilesystem) {
			bad("readOnlyRootFilesystem is not true")
		}
		if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
			bad("allowPrivilegeEscalation is not false")
		}
		if sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) || len(sc.Capabilities.Add) > 0 {
			bad("capabilities: want drop [ALL] and nothing added")
		}
		seccomp := sc.SeccompProfile
		if seccomp == nil {
			seccomp = psc.SeccompProfile
		}
		if seccomp == nil || seccomp.Type != corev1.SeccompProfileTypeRuntimeDefault {
			bad("seccomp profile is not RuntimeDefault")
		}
	}
	return out
}

func metaSelector(s *metav1.LabelSelector) (labels.Selector, error) {
	return metav1.LabelSelectorAsSelector(s)
}

func isTrue(b *bool) bool { return b != nil && *b }

func cmpOr[T any](a, b *T) *T {
	if a != nil {
		return a
	}
	return b
}

// exampleOverlay copies deploy/k8s to a temporary folder and fills in the
// example overlay's secret.env from its template, as an operator would.
func exampleOverlay(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS("../k8s")); err != nil {
		t.Fatal(err)
	}
	overlay := filepath.Join(dir, "overlays", "example")
	tmpl, err := os.ReadFile(filepath.Join(overlay, "secret.env.example"))
	if err != nil {
		t.Fatal(err)
	}
	env := strings.Replace(string(tmpl), "STRENGTHSYNC_SECRET_KEY=\n", "STRENGTHSYNC_SECRET_KEY="+testKey+"\n", 1)
	if env == string(tmpl) {
		t.Fatal("secret.env.example has no empty STRENGTHSYNC_SECRET_KEY= line to fill in")
	}
	if err := os.WriteFile(filepath.Join(overlay, "secret.env"), []byte(env), 0o600); err != nil {
		t.Fatal(err)
	}
	return overlay
}

func TestKubernetesBase(t *testing.T) {
	m := build(t, "../k8s/base")
	checkWorkloads(t, m, []string{"Deployment strengthsync-serve", "Deployment strengthsync-worker"})
	checkRouting(t, m)
}

func TestKubernetesExampleOverlay(t *testing.T) {
	m := build(t, exampleOverlay(t))
	checkWorkloads(t, m, []string{"Deployment strengthsync-serve", "Deployment strengthsync-worker", "StatefulSet strengthsync-redis"})
	checkRouting(t, m)
	checkReferences(t, m)

	for _, o := range m.objects {
		if ns := o.(interface{ GetNamespace() string }).GetNamespace(); ns != "strengthsync" {
			if _, isNS := o.(*corev1.Namespace); !isNS {
				t.Errorf("%T in namespace %q, want strengthsync", o, ns)
			}
		}
	}
	sts := all[*appsv1.StatefulSet](m)
	if len(sts) != 1 || !strings.Contains(strings.Join(sts[0].Spec.Template.Spec.Containers[0].Args, " "), "--appendonly yes") ||
		len(sts[0].Spec.VolumeClaimTemplates) != 1 {
		t.Errorf("the example's Redis is not one StatefulSet with --appendonly yes on a volume claim")
	}
	for _, w := range workloads(m) {
		for _, c := range w.pod.Spec.Containers {
			if want := "registry.example/strengthsync:latest"; c.Name != "redis" && c.Image != want {
				t.Errorf("%s: image %q, want the overlay's %q", w.name, c.Image, want)
			}
		}
	}
	secrets := all[*corev1.Secret](m)
	if len(secrets) != 1 || string(secrets[0].Data["STRENGTHSYNC_SECRET_KEY"]) != testKey {
		t.Errorf("the example's Secret does not carry secret.env's STRENGTHSYNC_SECRET_KEY")
	}
}

// checkWorkloads wants exactly the named workloads, each sound.
func checkWorkloads(t *testing.T, m manifests, want []string) {
	t.Helper()
	var got []string
	for _, w := range workloads(m) {
		got = append(got, w.name)
		for _, p := range podProblems(w.pod.Spec) {
			t.Errorf("%s: %s", w.name, p)
		}
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("workloads %v, want %v", got, want)
	}
}

// checkRouting follows the names and selectors between objects: the
// Service and the disruption budgets select pods that exist, the Ingress
// reaches the Service's port, the autoscaler scales the workers, and
// every pod is covered by a NetworkPolicy.
func checkRouting(t *testing.T, m manifests) {
	t.Helper()
	pods := workloads(m)
	selects := func(what string, sel labels.Selector, wantAny bool) {
		n := 0
		for _, w := range pods {
			if sel.Matches(labels.Set(w.pod.Labels)) {
				n++
			}
		}
		if wantAny && n == 0 {
			t.Errorf("%s selects no pods (%s)", what, sel)
		}
	}
	services := map[string]*corev1.Service{}
	for _, s := range all[*corev1.Service](m) {
		services[s.Name] = s
		selects("Service "+s.Name, labels.SelectorFromSet(s.Spec.Selector), true)
	}
	if _, ok := services["strengthsync"]; !ok {
		t.Error("no Service strengthsync")
	}
	for _, p := range all[*policyv1.PodDisruptionBudget](m) {
		sel, err := metaSelector(p.Spec.Selector)
		if err != nil {
			t.Fatal(err)
		}
		selects("PodDisruptionBudget "+p.Name, sel, true)
	}
	if n := len(all[*policyv1.PodDisruptionBudget](m)); n < 2 {
		t.Errorf("%d PodDisruptionBudgets, want one for serve and one for workers", n)
	}
	ings := all[*networkingv1.Ingress](m)
	if len(ings) != 1 {
		t.Fatalf("%d Ingresses, want 1", len(ings))
	}
	for _, r := range ings[0].Spec.Rules {
		for _, p := range r.HTTP.Paths {
			s, ok := services[p.Backend.Service.Name]
			if !ok || !slices.ContainsFunc(s.Spec.Ports, func(sp corev1.ServicePort) bool { return sp.Name == p.Backend.Service.Port.Name }) {
				t.Errorf("Ingress reaches %s:%s, which no Service offers", p.Backend.Service.Name, p.Backend.Service.Port.Name)
			}
		}
	}
	hpas := all[*autoscalingv2.HorizontalPodAutoscaler](m)
	if len(hpas) != 1 || hpas[0].Spec.ScaleTargetRef.Kind != "Deployment" || hpas[0].Spec.ScaleTargetRef.Name != "strengthsync-worker" {
		t.Errorf("want one HorizontalPodAutoscaler, for Deployment strengthsync-worker")
	}
	for _, d := range all[*appsv1.Deployment](m) {
		if d.Name == "strengthsync-worker" && d.Spec.Replicas != nil {
			t.Error("Deployment strengthsync-worker sets replicas: every apply would fight the autoscaler")
		}
	}
	for _, w := range pods {
		covered := false
		for _, np := range all[*networkingv1.NetworkPolicy](m) {
			sel, err := metaSelector(&np.Spec.PodSelector)
			if err != nil {
				t.Fatal(err)
			}
			if sel.Matches(labels.Set(w.pod.Labels)) && slices.Contains(np.Spec.PolicyTypes, networkingv1.PolicyTypeIngress) {
				covered = true
			}
		}
		if !covered {
			t.Errorf("%s: no NetworkPolicy limits what reaches it", w.name)
		}
	}
}

// varRef is a $(NAME) in a container's arguments, which Kubernetes
// replaces with the container's variable.
var varRef = regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_]*)\)`)

// checkReferences wants every ConfigMap and Secret a container reads to
// exist in the build (kustomize renamed them with a hash; the references
// must follow), the required secret keys present, and every $(VAR) in
// the arguments defined.
func checkReferences(t *testing.T, m manifests) {
	t.Helper()
	configMaps := map[string]map[string]string{}
	for _, c := range all[*corev1.ConfigMap](m) {
		configMaps[c.Name] = c.Data
	}
	secrets := map[string]map[string][]byte{}
	for _, s := range all[*corev1.Secret](m) {
		secrets[s.Name] = s.Data
	}
	for _, w := range workloads(m) {
		for _, c := range w.pod.Spec.Containers {
			defined := map[string]bool{}
			for _, from := range c.EnvFrom {
				if from.ConfigMapRef == nil {
					continue
				}
				data, ok := configMaps[from.ConfigMapRef.Name]
				if !ok {
					t.Errorf("%s: ConfigMap %s is not in the build", w.name, from.ConfigMapRef.Name)
				}
				for k := range data {
					defined[k] = true
				}
			}
			for _, e := range c.Env {
				defined[e.Name] = true
				if e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil {
					continue
				}
				ref := e.ValueFrom.SecretKeyRef
				data, ok := secrets[ref.Name]
				if !ok {
					t.Errorf("%s: %s: Secret %s is not in the build", w.name, e.Name, ref.Name)
				} else if _, ok := data[ref.Key]; !ok && !isTrue(ref.Optional) {
					t.Errorf("%s: %s: Secret %s has no key %s", w.name, e.Name, ref.Name, ref.Key)
				}
			}
			for _, arg := range append(slices.Clone(c.Command), c.Args...) {
				for _, ref := range varRef.FindAllStringSubmatch(arg, -1) {
					if !defined[ref[1]] {
						t.Errorf("%s: argument %q names $(%s), which the container does not define", w.name, arg, ref[1])
					}
				}
			}
		}
	}
}

// TestPodProblems keeps podProblems honest: each requirement, broken in an
// otherwise sound pod, is reported.
func TestPodProblems(t *testing.T) {
	m := build(t, "../k8s/base")
	var sound corev1.PodSpec
	for _, d := range all[*appsv1.Deployment](m) {
		if d.Name == "strengthsync-serve" {
			sound = d.Spec.Template.Spec
		}
	}
	if len(sound.Containers) == 0 {
		t.Fatal("no Deployment strengthsync-serve")
	}
	if p := podProblems(sound); len(p) > 0 {
		t.Fatalf("serve has problems: %v", p)
	}
	f := false
	tests := []struct {
		name    string
		breakIt func(*corev1.PodSpec)
		want    string
	}{
		{"token mounted", func(s *corev1.PodSpec) { s.AutomountServiceAccountToken = nil }, "automountServiceAccountToken"},
		{"no liveness", func(s *corev1.PodSpec) { s.Containers[0].LivenessProbe = nil }, "no liveness probe"},
		{"no readiness", func(s *corev1.PodSpec) { s.Containers[0].ReadinessProbe = nil }, "no readiness probe"},
		{"probe on an unnamed port", func(s *corev1.PodSpec) { s.Containers[0].Ports = s.Containers[0].Ports[1:] }, "does not name"},
		{"no memory limit", func(s *corev1.PodSpec) { delete(s.Containers[0].Resources.Limits, corev1.ResourceMemory) }, "no memory limit"},
		{"no cpu request", func(s *corev1.PodSpec) { delete(s.Containers[0].Resources.Requests, corev1.ResourceCPU) }, "no cpu request"},
		{"may run as root", func(s *corev1.PodSpec) {
			s.SecurityContext.RunAsNonRoot = nil
			s.Containers[0].SecurityContext.RunAsNonRoot = nil
		}, "runAsNonRoot"},
		{"writable root", func(s *corev1.PodSpec) { s.Containers[0].SecurityContext.ReadOnlyRootFilesystem = &f }, "readOnlyRootFilesystem"},
		{"escalation", func(s *corev1.PodSpec) { s.Containers[0].SecurityContext.AllowPrivilegeEscalation = nil }, "allowPrivilegeEscalation"},
		{"capability added", func(s *corev1.PodSpec) {
			s.Containers[0].SecurityContext.Capabilities.Add = []corev1.Capability{"NET_BIND_SERVICE"}
		}, "capabilities"},
		{"no seccomp", func(s *corev1.PodSpec) {
			s.SecurityContext.SeccompProfile = nil
			s.Containers[0].SecurityContext.SeccompProfile = nil
		}, "seccomp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := *sound.DeepCopy()
			tt.breakIt(&spec)
			got := podProblems(spec)
			if !slices.ContainsFunc(got, func(p string) bool { return strings.Contains(p, tt.want) }) {
				t.Errorf("problems %v, want one about %q", got, tt.want)
			}
		})
	}
}
