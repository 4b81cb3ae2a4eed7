;; Imports a host function under the right name with the wrong type.
(module
  (import "env" "__faasm_read_input" (func (param i64) (result i32)))
  (func (export "_start")))
