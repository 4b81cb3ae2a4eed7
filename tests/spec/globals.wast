;; Globals: immutable and mutable globals of every numeric type, exported
;; globals read with `get`, initialisers from imported globals, and
;; global.set from functions.

(module
  (import "spectest" "global_i32" (global $imp_i32 i32))
  (import "spectest" "global_i64" (global $imp_i64 i64))
  (import "spectest" "global_f32" (global $imp_f32 f32))
  (import "spectest" "global_f64" (global $imp_f64 f64))

  (global $ci (export "const_i32") i32 (i32.const -42))
  (global $cl (export "const_i64") i64 (i64.const 0x123456789abcdef0))
  (global $cf (export "const_f32") f32 (f32.const -0.0))
  (global $cd (export "const_f64") f64 (f64.const 0x1.921fb54442d18p+1))
  (global $cnan f32 (f32.const nan:0x12345))

  (global $mi (export "mut_i32") (mut i32) (i32.const 1))
  (global $ml (export "mut_i64") (mut i64) (i64.const 2))
  (global $mf (mut f32) (f32.const 3.5))
  (global $md (mut f64) (f64.const -4.25))

  ;; initialised from imported globals
  (global $from_imp (export "from_import") i32 (global.get $imp_i32))
  (global $from_imp64 (mut i64) (global.get $imp_i64))

  (func (export "get_ci") (result i32) (global.get $ci))
  (func (export "get_cl") (result i64) (global.get $cl))
  (func (export "get_cf") (result f32) (global.get $cf))
  (func (export "get_cd") (result f64) (global.get $cd))
  (func (export "get_cnan") (result f32) (global.get $cnan))
  (func (export "get_mi") (result i32) (global.get $mi))
  (func (export "get_ml") (result i64) (global.get $ml))
  (func (export "get_mf") (result f32) (global.get $mf))
  (func (export "get_md") (result f64) (global.get $md))
  (func (export "set_mi") (param i32) (global.set $mi (local.get 0)))
  (func (export "set_ml") (param i64) (global.set $ml (local.get 0)))
  (func (export "set_mf") (param f32) (global.set $mf (local.get 0)))
  (func (export "set_md") (param f64) (global.set $md (local.get 0)))
  (func (export "get_imp_i32") (result i32) (global.get $imp_i32))
  (func (export "get_imp_i64") (result i64) (global.get $imp_i64))
  ;; the official reference interpreter's spectest module defines global_f32 /
  ;; global_f64 as 666.6, wabt's as 666.0: truncate so that both agree
  (func (export "get_imp_f32") (result f32) (f32.trunc (global.get $imp_f32)))
  (func (export "get_imp_f64") (result f64) (f64.trunc (global.get $imp_f64)))
  (func (export "get_from_imp64") (result i64) (global.get $from_imp64))
  (func (export "bump") (result i32)
    ;; read-modify-write several times inside one call
    (global.set $mi (i32.add (global.get $mi) (i32.const 1)))
    (global.set $mi (i32.mul (global.get $mi) (i32.const 10)))
    (global.get $mi))
  (func (export "counter_loop") (param $n i32) (result i64)
    (global.set $ml (i64.const 0))
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get $n)))
        (global.set $ml (i64.add (global.get $ml) (i64.extend_i32_u (local.get $n))))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $l)))
    (global.get $ml))
)

;; exported globals read directly
(assert_return (get "const_i32") (i32.const -42))
(assert_return (get "const_i64") (i64.const 0x123456789abcdef0))
(assert_return (get "const_f32") (f32.const -0.0))
(assert_return (get "const_f64") (f64.const 0x1.921fb54442d18p+1))
(assert_return (get "mut_i32") (i32.const 1))
(assert_return (get "mut_i64") (i64.const 2))
(assert_return (get "from_import") (i32.const 666))

;; read through functions
(assert_return (invoke "get_ci") (i32.const -42))
(assert_return (invoke "get_cl") (i64.const 0x123456789abcdef0))
(assert_return (invoke "get_cf") (f32.const -0.0))
(assert_return (invoke "get_cd") (f64.const 0x1.921fb54442d18p+1))
(assert_return (invoke "get_cnan") (f32.const nan:0x12345))
(assert_return (invoke "get_mf") (f32.const 3.5))
(assert_return (invoke "get_md") (f64.const -4.25))
(assert_return (invoke "get_imp_i32") (i32.const 666))
(assert_return (invoke "get_imp_i64") (i64.const 666))
(assert_return (invoke "get_imp_f32") (f32.const 666.0))
(assert_return (invoke "get_imp_f64") (f64.const 666.0))
(assert_return (invoke "get_from_imp64") (i64.const 666))

;; mutation
(assert_return (invoke "set_mi" (i32.const 0x7fffffff)))
(assert_return (invoke "get_mi") (i32.const 0x7fffffff))
(assert_return (get "mut_i32") (i32.const 0x7fffffff))
(assert_return (invoke "set_ml" (i64.const -1)))
(assert_return (invoke "get_ml") (i64.const -1))
(assert_return (get "mut_i64") (i64.const -1))
(assert_return (invoke "set_mf" (f32.const -nan:0x1)))
(assert_return (invoke "get_mf") (f32.const -nan:0x1))
(assert_return (invoke "set_mf" (f32.const -inf)))
(assert_return (invoke "get_mf") (f32.const -inf))
(assert_return (invoke "set_md" (f64.const 0x1p-1074)))
(assert_return (invoke "get_md") (f64.const 0x1p-1074))
(assert_return (invoke "set_md" (f64.const nan:0x8000000000001)))
(assert_return (invoke "get_md") (f64.const nan:0x8000000000001))
(assert_return (invoke "set_mi" (i32.const 4)))
(assert_return (invoke "bump") (i32.const 50))
(assert_return (invoke "bump") (i32.const 510))
(assert_return (get "mut_i32") (i32.const 510))
(assert_return (invoke "counter_loop" (i32.const 100)) (i64.const 5050))
(assert_return (get "mut_i64") (i64.const 5050))
;; immutable globals are unaffected
(assert_return (invoke "get_ci") (i32.const -42))
(assert_return (get "const_f32") (f32.const -0.0))

;; separate module instances have separate globals
(module $A
  (global $g (export "g") (mut i32) (i32.const 10))
  (func (export "inc") (result i32) (global.set $g (i32.add (global.get $g) (i32.const 1))) (global.get $g))
)
(module $B
  (global $g (export "g") (mut i32) (i32.const 10))
  (func (export "inc") (result i32) (global.set $g (i32.add (global.get $g) (i32.const 1))) (global.get $g))
)
(assert_return (invoke $A "inc") (i32.const 11))
(assert_return (invoke $A "inc") (i32.const 12))
(assert_return (invoke $B "inc") (i32.const 11))
(assert_return (get $A "g") (i32.const 12))
(assert_return (get $B "g") (i32.const 11))

;; validation of global accesses
(assert_invalid
  (module (global $g i32 (i32.const 0)) (func (global.set $g (i32.const 1))))
  "global is immutable")
(assert_invalid
  (module (global $g (mut i32) (i32.const 0)) (func (global.set $g (i64.const 1))))
  "type mismatch")
(assert_invalid
  (module (global $g i64 (i32.const 0)))
  "type mismatch")
(assert_invalid
  (module (global $g f32 (f32.const 0)) (func (result i32) (global.get $g)))
  "type mismatch")
(assert_invalid
  (module (func (result i32) (global.get 0)))
  "unknown global")
(assert_invalid
  (module (global i32 (i32.add (i32.const 1) (i32.const 2))))
  "constant expression required")
