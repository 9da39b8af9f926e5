package main

import (
	"fmt"
	"runtime"
)

var (
	version = "dev"
	arch    = "unknown"
)

func main() {
	fmt.Printf("hello %s, built for %s, running on %s\n", version, arch, runtime.GOARCH)
}
