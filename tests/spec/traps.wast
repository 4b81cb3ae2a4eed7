;; One place for every trap kind, with traps raised from nested calls,
;; from expressions whose values are discarded, and checks that effects
;; performed before a trap persist and that the instance stays usable.

(module
  (type $v (func))
  (type $v_i32 (func (result i32)))
  (memory 1 1)
  (table $t 3 funcref)
  (elem (table $t) (i32.const 0) $ok $nullary_void)
  (global $progress (mut i32) (i32.const 0))

  (func $ok (type $v_i32) (i32.const 1))
  (func $nullary_void (type $v))

  (func (export "unreachable") (unreachable))
  (func (export "unreachable_deep") (call $level1))
  (func $level1 (call $level2))
  (func $level2 (block (loop (if (i32.const 1) (then (unreachable))))))

  (func (export "div_s_zero") (param i32) (drop (i32.div_s (local.get 0) (i32.const 0))))
  (func (export "div_u_zero64") (param i64) (drop (i64.div_u (local.get 0) (i64.const 0))))
  (func (export "rem_s_zero") (param i32) (drop (i32.rem_s (local.get 0) (i32.const 0))))
  (func (export "rem_u_zero64") (param i64) (drop (i64.rem_u (local.get 0) (i64.const 0))))
  (func (export "div_s_overflow32") (drop (i32.div_s (i32.const 0x80000000) (i32.const -1))))
  (func (export "div_s_overflow64") (drop (i64.div_s (i64.const 0x8000000000000000) (i64.const -1))))
  (func (export "trunc_overflow") (param f32) (drop (i64.trunc_f32_u (local.get 0))))
  (func (export "trunc_nan") (param f64) (drop (i64.trunc_f64_s (local.get 0))))

  (func (export "oob_load") (param i32) (drop (i64.load (local.get 0))))
  (func (export "oob_store") (param i32) (f64.store (local.get 0) (f64.const 1)))
  (func (export "oob_load_offset") (param i32) (drop (i32.load8_s offset=65536 (local.get 0))))
  (func (export "oob_fill") (param i32 i32) (memory.fill (local.get 0) (i32.const 0) (local.get 1)))

  (func (export "call_undefined") (param i32) (result i32) (call_indirect $t (type $v_i32) (local.get 0)))
  (func (export "call_void") (param i32) (call_indirect $t (type $v) (local.get 0)))
  (func (export "table_get_oob") (param i32) (drop (table.get $t (local.get 0))))
  (func (export "table_set_oob") (param i32) (table.set $t (local.get 0) (ref.null func)))

  ;; side effects before the trap must remain visible afterwards
  (func (export "store_then_trap") (param i32)
    (i32.store (i32.const 16) (local.get 0))
    (global.set $progress (local.get 0))
    (drop (i32.div_u (i32.const 1) (i32.const 0))))
  (func (export "read_mem") (result i32) (i32.load (i32.const 16)))
  (func (export "progress") (result i32) (global.get $progress))

  ;; a trap in the middle of an expression: neither operand result is used
  (func (export "trap_in_operand") (result i32)
    (i32.add (call $ok) (block (result i32) (i32.rem_u (i32.const 5) (i32.const 0)))))
  ;; a trap inside a loop after several iterations
  (func (export "trap_in_loop") (result i32)
    (local $i i32)
    (loop $l
      (global.set $progress (local.get $i))
      (drop (i32.load (i32.mul (local.get $i) (i32.const 16384))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $l))
    (i32.const 0))
)

(assert_trap (invoke "unreachable") "unreachable")
(assert_trap (invoke "unreachable_deep") "unreachable")
(assert_trap (invoke "div_s_zero" (i32.const 7)) "integer divide by zero")
(assert_trap (invoke "div_u_zero64" (i64.const 7)) "integer divide by zero")
(assert_trap (invoke "rem_s_zero" (i32.const 0x80000000)) "integer divide by zero")
(assert_trap (invoke "rem_u_zero64" (i64.const 0)) "integer divide by zero")
(assert_trap (invoke "div_s_overflow32") "integer overflow")
(assert_trap (invoke "div_s_overflow64") "integer overflow")
(assert_trap (invoke "trunc_overflow" (f32.const 1e20)) "integer overflow")
(assert_trap (invoke "trunc_overflow" (f32.const -1)) "integer overflow")
(assert_trap (invoke "trunc_nan" (f64.const nan)) "invalid conversion to integer")
(assert_trap (invoke "trunc_nan" (f64.const -nan:0x1)) "invalid conversion to integer")
(assert_trap (invoke "oob_load" (i32.const 65529)) "out of bounds memory access")
(assert_trap (invoke "oob_load" (i32.const 0xfffffff8)) "out of bounds memory access")
(assert_trap (invoke "oob_store" (i32.const 65532)) "out of bounds memory access")
(assert_trap (invoke "oob_load_offset" (i32.const 0)) "out of bounds memory access")
(assert_trap (invoke "oob_load_offset" (i32.const 0xffffffff)) "out of bounds memory access")
(assert_trap (invoke "oob_fill" (i32.const 1) (i32.const 65536)) "out of bounds memory access")
(assert_trap (invoke "call_undefined" (i32.const 3)) "undefined element")
(assert_trap (invoke "call_undefined" (i32.const 2)) "uninitialized element")
(assert_trap (invoke "call_undefined" (i32.const 1)) "indirect call type mismatch")
(assert_trap (invoke "call_void" (i32.const 0)) "indirect call type mismatch")
(assert_trap (invoke "call_void" (i32.const 2)) "uninitialized element")
(assert_trap (invoke "call_void" (i32.const -1)) "undefined element")
(assert_trap (invoke "table_get_oob" (i32.const 3)) "out of bounds table access")
(assert_trap (invoke "table_set_oob" (i32.const 3)) "out of bounds table access")

;; non-trapping neighbours of the cases above
(assert_return (invoke "oob_load" (i32.const 65528)))
(assert_return (invoke "oob_store" (i32.const 65528)))
(assert_return (invoke "call_undefined" (i32.const 0)) (i32.const 1))
(assert_return (invoke "call_void" (i32.const 1)))

;; effects that happened before a trap are kept
(assert_return (invoke "read_mem") (i32.const 0))
(assert_trap (invoke "store_then_trap" (i32.const 0x5eed)) "integer divide by zero")
(assert_return (invoke "read_mem") (i32.const 0x5eed))
(assert_return (invoke "progress") (i32.const 0x5eed))
(assert_trap (invoke "trap_in_operand") "integer divide by zero")
(assert_trap (invoke "trap_in_loop") "out of bounds memory access")
(assert_return (invoke "progress") (i32.const 4))
;; the instance is still usable after all those traps
(assert_return (invoke "call_undefined" (i32.const 0)) (i32.const 1))
(assert_return (invoke "read_mem") (i32.const 0x5eed))

;; traps during instantiation: the start function, data and element segments
(assert_trap (module (func $s (unreachable)) (start $s)) "unreachable")
(assert_trap
  (module (func $s (drop (i64.trunc_f64_u (f64.const -5)))) (start $s))
  "integer overflow")
(assert_trap
  (module (func $s (drop (i32.trunc_f32_s (f32.const nan)))) (start $s))
  "invalid conversion to integer")
(assert_trap
  (module (type $v (func)) (table 1 funcref) (func $s (call_indirect (type $v) (i32.const 0))) (start $s))
  "uninitialized element")
(assert_trap
  (module (memory 1) (data (i32.const 65536) "a"))
  "out of bounds memory access")
(assert_trap
  (module (table 1 funcref) (func $f) (elem (i32.const 1) $f))
  "out of bounds table access")
