// Package k8s holds thresher's Kubernetes manifests (a kustomize base,
// overlays for queue autoscaling, an existing etcd, MinIO and cert-manager,
// and example jobs; see README.md) and the tests that check them without a
// cluster: every manifest decodes strictly into the Kubernetes API types,
// every kustomization lists exactly its files, and the cross-references
// hold (selectors, ports, probes, config, Secrets, ServiceAccounts, HPA and
// PDB targets, the ServiceMonitor, the cert-manager certificates against
// what thresher checks of a peer, the flags and THRESHER_* variables the
// binary accepts), and every rendered object stays small enough for
// kubectl apply (256 KiB). make k8s-validate checks them with a real API
// server (scripts/k8s-validate.sh); validate/ is the module that pins its
// release.
package k8s
