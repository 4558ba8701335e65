// Package checks holds the deployment checks: the compose file, the
// Kubernetes manifests and the container image are built and inspected by
// its tests. It is a module of its own so that the libraries it needs never
// become dependencies of the product.
package checks
