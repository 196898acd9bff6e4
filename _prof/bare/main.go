package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
)

func main() {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	os.WriteFile(os.Args[1], []byte(ln.Addr().String()+"\n"), 0o644)
	fmt.Println(ln.Addr())
	http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(200)
	}))
}
