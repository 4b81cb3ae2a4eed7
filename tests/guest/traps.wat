;; Engine tests: one export per trap kind, plus well-behaved functions to mix with them.
(module
  (type $i_i (func (param i32) (result i32)))
  (type $v_v (func))
  (memory (export "memory") 1 4)
  (table 4 funcref)
  (elem (i32.const 0) $double)
  (global $counter (mut i32) (i32.const 0))

  (func $double (type $i_i) (i32.mul (local.get 0) (i32.const 2)))
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "sum_memory") (param $n i32) (result i32)
    (local $i i32) (local $acc i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (i32.store (i32.mul (local.get $i) (i32.const 4)) (local.get $i))
        (local.set $acc (i32.add (local.get $acc) (i32.load (i32.mul (local.get $i) (i32.const 4)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $acc))
  (func (export "call_table") (param i32 i32) (result i32)
    (call_indirect (type $i_i) (local.get 1) (local.get 0)))
  (func (export "bump") (result i32)
    (global.set $counter (i32.add (global.get $counter) (i32.const 1)))
    (global.get $counter))

  (func (export "oob") (result i32) (i32.load (i32.const 0x7fffffff)))
  (func (export "oob_store") (i32.store (i32.const 0x40000) (i32.const 1)))
  (func (export "unreachable") (unreachable))
  (func (export "div_zero") (param i32) (result i32) (i32.div_s (i32.const 1) (local.get 0)))
  (func (export "overflow") (result i32) (i32.div_s (i32.const 0x80000000) (i32.const -1)))
  (func (export "bad_conversion") (result i32) (i32.trunc_f32_s (f32.const nan)))
  (func (export "null_call") (result i32) (call_indirect (type $i_i) (i32.const 1) (i32.const 2)))
  (func (export "wrong_type") (call_indirect (type $v_v) (i32.const 0)))
  (func (export "undefined_element") (result i32) (call_indirect (type $i_i) (i32.const 1) (i32.const 99)))
  (func $recurse (export "recurse") (param i32) (result i32)
    (i32.add (call $recurse (i32.add (local.get 0) (i32.const 1))) (i32.const 1)))
  (func (export "spin") (loop $l (br $l)))
  ;; Busy for a while (n steps of a generator the compiler cannot fold), then returns: a long
  ;; call that does end.
  (func (export "churn") (param $n i32) (result i32)
    (local $i i32) (local $x i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $x (i32.add (i32.mul (local.get $x) (i32.const 1103515245)) (i32.const 12345)))
        (local.set $x (i32.xor (local.get $x) (i32.shr_u (local.get $x) (i32.const 7))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $x))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
)
