// Package k8s holds thresher's Kubernetes manifests (a kustomize base, an
// overlay for an existing etcd and an example job; see README.md) and the
// tests that check them without a cluster: every manifest decodes strictly
// into the Kubernetes API types, every kustomization lists exactly its
// files, and the cross-references hold (selectors, ports, probes, config,
// Secrets, ServiceAccounts, HPA and PDB targets, the ServiceMonitor, the
// flags and THRESHER_* variables the binary accepts), and every rendered
// object stays small enough for kubectl apply (256 KiB).
package k8s
