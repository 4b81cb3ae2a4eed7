;; Module linking: imports from the spectest host module, `register` of a
;; module and a second module importing its function, memory, global and
;; table, shared state between instances, and assert_unlinkable.

;; --- the spectest host module ---------------------------------------------
(module
  (import "spectest" "print" (func $print))
  (import "spectest" "print_i32" (func $print_i32 (param i32)))
  (import "spectest" "print_i64" (func $print_i64 (param i64)))
  (import "spectest" "print_f32" (func $print_f32 (param f32)))
  (import "spectest" "print_f64" (func $print_f64 (param f64)))
  (import "spectest" "print_i32_f32" (func $print_i32_f32 (param i32 f32)))
  (import "spectest" "print_f64_f64" (func $print_f64_f64 (param f64 f64)))
  (import "spectest" "global_i32" (global $gi i32))
  (import "spectest" "global_i64" (global $gl i64))
  (import "spectest" "global_f32" (global $gf f32))
  (import "spectest" "global_f64" (global $gd f64))
  (import "spectest" "table" (table $tab 10 funcref))
  (import "spectest" "memory" (memory $mem 1 2))

  (type $v_i32 (func (result i32)))
  (func $seven (type $v_i32) (i32.const 7))
  (elem (table $tab) (i32.const 3) $seven)
  (data (memory $mem) (i32.const 100) "\2a\00\00\00")

  (func (export "print_all")
    (call $print)
    (call $print_i32 (i32.const 42))
    (call $print_i64 (i64.const -42))
    (call $print_f32 (f32.const 1.5))
    (call $print_f64 (f64.const -2.25))
    (call $print_i32_f32 (i32.const 1) (f32.const 2.5))
    (call $print_f64_f64 (f64.const 3.5) (f64.const 4.5)))
  (func (export "print_i32_result") (param i32) (result i32)
    (call $print_i32 (local.get 0))
    (i32.mul (local.get 0) (i32.const 2)))
  (func (export "gi") (result i32) (global.get $gi))
  (func (export "gl") (result i64) (global.get $gl))
  ;; wabt's spectest defines the float globals as 666.0, the reference
  ;; interpreter's as 666.6; both truncate to 666
  (func (export "gf") (result f32) (f32.trunc (global.get $gf)))
  (func (export "gd") (result f64) (f64.trunc (global.get $gd)))
  (func (export "table_size") (result i32) (table.size $tab))
  (func (export "call_tab") (param i32) (result i32) (call_indirect $tab (type $v_i32) (local.get 0)))
  (func (export "mem_size") (result i32) (memory.size))
  (func (export "mem_grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
)
(assert_return (invoke "print_all"))
(assert_return (invoke "print_i32_result" (i32.const 21)) (i32.const 42))
(assert_return (invoke "gi") (i32.const 666))
(assert_return (invoke "gl") (i64.const 666))
(assert_return (invoke "gf") (f32.const 666))
(assert_return (invoke "gd") (f64.const 666))
(assert_return (invoke "table_size") (i32.const 10))
(assert_return (invoke "call_tab" (i32.const 3)) (i32.const 7))
(assert_trap (invoke "call_tab" (i32.const 0)) "uninitialized element")
(assert_trap (invoke "call_tab" (i32.const 10)) "undefined element")
(assert_return (invoke "mem_size") (i32.const 1))
(assert_return (invoke "load" (i32.const 100)) (i32.const 42))
(assert_trap (invoke "load" (i32.const 65533)) "out of bounds memory access")

;; --- register and import from another module --------------------------------
(module $Provider
  (type $v_i32 (func (result i32)))
  (memory (export "mem") 1 5)
  (table (export "tab") 4 funcref)
  (global (export "counter") (mut i32) (i32.const 100))
  (global (export "limit") i64 (i64.const 0x1122334455667788))
  (global (export "scale") f64 (f64.const 2.5))
  (data (i32.const 0) "\01\02\03\04")
  (elem (i32.const 0) $answer)
  (func $answer (type $v_i32) (i32.const 42))
  (func (export "add") (param i32 i32) (result i32) (i32.add (local.get 0) (local.get 1)))
  (func (export "answer") (type $v_i32) (i32.const 42))
  (func (export "bump") (result i32)
    (global.set 0 (i32.add (global.get 0) (i32.const 1)))
    (global.get 0))
  (func (export "peek") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "poke") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
  (func (export "size") (result i32) (memory.size))
  (func (export "call_slot") (param i32) (result i32) (call_indirect (type $v_i32) (local.get 0)))
)
(register "prov" $Provider)

(module $Consumer
  (type $v_i32 (func (result i32)))
  (import "prov" "add" (func $add (param i32 i32) (result i32)))
  (import "prov" "bump" (func $bump (result i32)))
  (import "prov" "mem" (memory 1))
  (import "prov" "tab" (table $tab 2 funcref))
  (import "prov" "counter" (global $counter (mut i32)))
  (import "prov" "limit" (global $limit i64))
  (import "prov" "scale" (global $scale f64))
  (func $mine (type $v_i32) (i32.const 99))
  (elem (table $tab) (i32.const 1) $mine)
  (data (i32.const 8) "\aa\bb")

  (func (export "add3") (param i32 i32 i32) (result i32)
    (call $add (call $add (local.get 0) (local.get 1)) (local.get 2)))
  (func (export "reexported_add") (param i32 i32) (result i32) (call $add (local.get 0) (local.get 1)))
  (func (export "counter") (result i32) (global.get $counter))
  (func (export "set_counter") (param i32) (global.set $counter (local.get 0)))
  (func (export "bump_remote") (result i32) (call $bump))
  (func (export "limit") (result i64) (global.get $limit))
  (func (export "scale") (result f64) (global.get $scale))
  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "store8") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "size") (result i32) (memory.size))
  (func (export "call_slot") (param i32) (result i32) (call_indirect $tab (type $v_i32) (local.get 0)))
  (func (export "set_slot_mine") (param i32) (table.set $tab (local.get 0) (ref.func $mine)))
  (func (export "table_size") (result i32) (table.size $tab))
)

;; imported function
(assert_return (invoke $Consumer "add3" (i32.const 1) (i32.const 2) (i32.const 3)) (i32.const 6))
(assert_return (invoke $Consumer "reexported_add" (i32.const -1) (i32.const 1)) (i32.const 0))
;; imported memory: the data segment of $Consumer landed in $Provider's memory
(assert_return (invoke $Consumer "load8" (i32.const 0)) (i32.const 1))
(assert_return (invoke $Consumer "load8" (i32.const 3)) (i32.const 4))
(assert_return (invoke $Provider "peek" (i32.const 8)) (i32.const 0xaa))
(assert_return (invoke $Provider "peek" (i32.const 9)) (i32.const 0xbb))
(assert_return (invoke $Provider "poke" (i32.const 500) (i32.const 0x77)))
(assert_return (invoke $Consumer "load8" (i32.const 500)) (i32.const 0x77))
(assert_return (invoke $Consumer "store8" (i32.const 501) (i32.const 0x88)))
(assert_return (invoke $Provider "peek" (i32.const 501)) (i32.const 0x88))
;; growth through one instance is seen by the other
(assert_return (invoke $Consumer "size") (i32.const 1))
(assert_return (invoke $Consumer "grow" (i32.const 2)) (i32.const 1))
(assert_return (invoke $Provider "size") (i32.const 3))
(assert_return (invoke $Provider "poke" (i32.const 131072) (i32.const 5)))
(assert_return (invoke $Consumer "load8" (i32.const 131072)) (i32.const 5))
(assert_return (invoke $Consumer "grow" (i32.const 3)) (i32.const -1))
(assert_return (invoke $Consumer "grow" (i32.const 2)) (i32.const 3))
(assert_return (invoke $Provider "size") (i32.const 5))
(assert_trap (invoke $Provider "peek" (i32.const 327680)) "out of bounds memory access")
;; imported globals: a mutable global is shared, not copied
(assert_return (invoke $Consumer "counter") (i32.const 100))
(assert_return (invoke $Provider "bump") (i32.const 101))
(assert_return (invoke $Consumer "counter") (i32.const 101))
(assert_return (invoke $Consumer "bump_remote") (i32.const 102))
(assert_return (invoke $Consumer "set_counter" (i32.const 7)))
(assert_return (get $Provider "counter") (i32.const 7))
(assert_return (invoke $Provider "bump") (i32.const 8))
(assert_return (invoke $Consumer "limit") (i64.const 0x1122334455667788))
(assert_return (invoke $Consumer "scale") (f64.const 2.5))
;; imported table: the element segment of $Consumer landed in $Provider's table
(assert_return (invoke $Consumer "table_size") (i32.const 4))
(assert_return (invoke $Consumer "call_slot" (i32.const 0)) (i32.const 42))
(assert_return (invoke $Consumer "call_slot" (i32.const 1)) (i32.const 99))
(assert_return (invoke $Provider "call_slot" (i32.const 1)) (i32.const 99))
(assert_trap (invoke $Provider "call_slot" (i32.const 2)) "uninitialized element")
(assert_return (invoke $Consumer "set_slot_mine" (i32.const 2)))
(assert_return (invoke $Provider "call_slot" (i32.const 2)) (i32.const 99))
(assert_trap (invoke $Consumer "call_slot" (i32.const 4)) "undefined element")

;; a third module registered under a different name re-exports imports
(module $Relay
  (import "prov" "answer" (func $answer (result i32)))
  (import "prov" "mem" (memory $m 1))
  (export "answer2" (func $answer))
  (export "mem2" (memory $m))
)
(register "relay" $Relay)
(module
  (import "relay" "answer2" (func $a (result i32)))
  (import "relay" "mem2" (memory 1))
  (func (export "go") (result i32) (i32.add (call $a) (i32.load8_u (i32.const 501))))
)
(assert_return (invoke "go") (i32.const 178))

;; --- failed instantiation keeps effects of earlier segments ----------------
;; the first data segment is written before the second one traps
(assert_trap
  (module
    (import "prov" "mem" (memory 1))
    (data (i32.const 600) "\ee")
    (data (i32.const 0x7fffffff) "\ff"))
  "out of bounds memory access")
(assert_return (invoke $Provider "peek" (i32.const 600)) (i32.const 0xee))

;; --- unlinkable modules ------------------------------------------------------
(assert_unlinkable
  (module (import "prov" "no_such_export" (func)))
  "unknown import")
(assert_unlinkable
  (module (import "no_such_module" "add" (func)))
  "unknown import")
(assert_unlinkable
  (module (import "spectest" "print_u32" (func (param i32))))
  "unknown import")
(assert_unlinkable
  (module (import "prov" "add" (func (param i32) (result i32))))
  "incompatible import type")
(assert_unlinkable
  (module (import "prov" "add" (func (param i64 i64) (result i64))))
  "incompatible import type")
(assert_unlinkable
  (module (import "spectest" "print_i32" (func (param i64))))
  "incompatible import type")
(assert_unlinkable
  (module (import "prov" "mem" (func)))
  "incompatible import type")
(assert_unlinkable
  (module (import "prov" "add" (memory 1)))
  "incompatible import type")
(assert_unlinkable
  (module (import "prov" "counter" (global i32)))
  "incompatible import type")
(assert_unlinkable
  (module (import "prov" "counter" (global (mut i64))))
  "incompatible import type")
(assert_unlinkable
  (module (import "prov" "limit" (global (mut i64))))
  "incompatible import type")
(assert_unlinkable
  (module (import "prov" "mem" (memory 6)))
  "incompatible import type")
(assert_unlinkable
  (module (import "prov" "mem" (memory 1 4)))
  "incompatible import type")
(assert_unlinkable
  (module (import "prov" "tab" (table 5 funcref)))
  "incompatible import type")
(assert_unlinkable
  (module (import "prov" "tab" (table 1 2 funcref)))
  "incompatible import type")
(assert_unlinkable
  (module (import "prov" "tab" (table 1 externref)))
  "incompatible import type")
(assert_unlinkable
  (module (import "spectest" "memory" (memory 3)))
  "incompatible import type")
(assert_unlinkable
  (module (import "spectest" "global_i32" (global f32)))
  "incompatible import type")
;; the exporter's table has no maximum, so any declared maximum is too small
(assert_unlinkable
  (module (import "prov" "tab" (table 4 1000 funcref)))
  "incompatible import type")
;; an unlinkable module must not have run any of its segments
(assert_unlinkable
  (module
    (import "prov" "mem" (memory 1))
    (import "prov" "no_such_export" (func))
    (data (i32.const 700) "\01"))
  "unknown import")
(assert_return (invoke $Provider "peek" (i32.const 700)) (i32.const 0))

;; limits that do match are fine: larger maximum declared by the importer
(module
  (import "prov" "mem" (memory 5 10))
  (import "prov" "tab" (table 2 funcref))
  (func (export "ok") (result i32) (i32.const 1))
)
(assert_return (invoke "ok") (i32.const 1))

;; spectest memory can grow to its maximum of 2 pages and no further
(module
  (import "spectest" "memory" (memory 1 2))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "size") (result i32) (memory.size))
)
(assert_return (invoke "grow" (i32.const 1)) (i32.const 1))
(assert_return (invoke "grow" (i32.const 1)) (i32.const -1))
(assert_return (invoke "size") (i32.const 2))
