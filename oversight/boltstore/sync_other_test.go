//go:build !unix

package boltstore_test

func syncDisk() {}
