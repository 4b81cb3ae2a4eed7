;; Imports two functions no host provides.
(module
  (import "env" "no_such_function" (func (param i32)))
  (import "mystery" "thing" (func))
  (func (export "_start")))
