;; Structurally fine, but fails validation: i32.add of an i64.
(module (func (export "f") (result i32) (i32.add (i32.const 1) (i64.const 2))))
