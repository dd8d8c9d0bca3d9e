//go:build !unix

package bootstrap

// setUmask does nothing where there is no umask.
func setUmask(int) {}
