;; Call stack exhaustion: unbounded recursion, direct, mutual and through
;; call_indirect, must produce "call stack exhausted" rather than crash, and
;; the instance must stay usable afterwards. Deep but bounded recursion
;; must still succeed.

(module
  (type $i32_i32 (func (param i32) (result i32)))
  (type $v (func))
  (table 2 funcref)
  (elem (i32.const 0) $indirect_self $ping)

  (func $self (export "self") (call $self))
  (func $self_with_args (export "self_with_args") (param i64 f64) (result i64)
    (i64.add (call $self_with_args (i64.add (local.get 0) (i64.const 1)) (local.get 1)) (i64.const 1)))
  (func $ping (export "ping") (param i32) (result i32) (call $pong (i32.add (local.get 0) (i32.const 1))))
  (func $pong (param i32) (result i32) (call $ping (i32.add (local.get 0) (i32.const 1))))
  (func $indirect_self (export "indirect_self") (type $v)
    (call_indirect (type $v) (i32.const 0)))
  (func (export "indirect_ping") (param i32) (result i32)
    (call_indirect (type $i32_i32) (local.get 0) (i32.const 1)))
  ;; recursion that only terminates when the counter reaches zero
  (func $countdown (export "countdown") (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 0))
      (else (i32.add (i32.const 1) (call $countdown (i32.sub (local.get 0) (i32.const 1)))))))
  ;; infinite recursion hidden in a loop body
  (func $loop_rec (export "loop_rec") (result i32)
    (loop (result i32) (call $loop_rec)))
)

(assert_exhaustion (invoke "self") "call stack exhausted")
(assert_exhaustion (invoke "self_with_args" (i64.const 0) (f64.const 1.5)) "call stack exhausted")
(assert_exhaustion (invoke "ping" (i32.const 0)) "call stack exhausted")
(assert_exhaustion (invoke "indirect_self") "call stack exhausted")
(assert_exhaustion (invoke "indirect_ping" (i32.const 0)) "call stack exhausted")
(assert_exhaustion (invoke "loop_rec") "call stack exhausted")
;; still usable, and moderate recursion depth works
(assert_return (invoke "countdown" (i32.const 0)) (i32.const 0))
(assert_return (invoke "countdown" (i32.const 100)) (i32.const 100))
(assert_return (invoke "countdown" (i32.const 1000)) (i32.const 1000))
(assert_exhaustion (invoke "self") "call stack exhausted")
(assert_return (invoke "countdown" (i32.const 10)) (i32.const 10))

;; three-way mutual recursion in a separate module
(module
  (func $a (export "a") (param i32) (result i32) (call $b (local.get 0)))
  (func $b (param i32) (result i32) (call $c (local.get 0)))
  (func $c (param i32) (result i32) (call $a (local.get 0)))
)
(assert_exhaustion (invoke "a" (i32.const 1)) "call stack exhausted")
