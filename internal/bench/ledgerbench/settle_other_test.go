//go:build !unix

package ledgerbench_test

// settle does nothing where there is no sync(2).
func settle() {}
