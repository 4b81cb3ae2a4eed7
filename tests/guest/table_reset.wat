;; A call that changes its table: the reset must undo it. Modules whose instructions cannot
;; change a table skip copying it at each reset (engine/module_glue.cpp, tables_fixed); this one
;; can, so it must get the snapshot's table back every time.
(module
  (type $r (func (result i32)))
  (table 2 funcref)
  (elem (i32.const 0) $one $two)
  (func $one (type $r) (i32.const 1))
  (func $two (type $r) (i32.const 2))
  ;; What entry 0 gives (1 in the snapshot), then entry 0 becomes $two.
  (func (export "call_and_swap") (result i32)
    (local $before i32)
    (local.set $before (call_indirect (type $r) (i32.const 0)))
    (table.set 0 (i32.const 0) (ref.func $two))
    (local.get $before)))
