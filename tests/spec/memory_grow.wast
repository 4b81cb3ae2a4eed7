;; memory.size and memory.grow: growth results, limits, failure (-1),
;; zero-initialisation of new pages and bounds checks after growth.

(module
  (memory 1 4)
  (func (export "size") (result i32) (memory.size))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "load") (param i32) (result i32) (i32.load (local.get 0)))
  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "store") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
  ;; grow, then use the result in further arithmetic
  (func (export "grow_and_size") (param i32) (result i32)
    (i32.add (i32.mul (memory.grow (local.get 0)) (i32.const 100)) (memory.size)))
)

(assert_return (invoke "size") (i32.const 1))
(assert_return (invoke "store" (i32.const 65532) (i32.const 0x55667788)))
(assert_trap (invoke "load" (i32.const 65536)) "out of bounds memory access")
(assert_trap (invoke "load" (i32.const 65534)) "out of bounds memory access")
(assert_trap (invoke "store" (i32.const 65536) (i32.const 1)) "out of bounds memory access")
(assert_return (invoke "grow" (i32.const 0)) (i32.const 1))
(assert_return (invoke "size") (i32.const 1))
(assert_return (invoke "grow" (i32.const 1)) (i32.const 1))
(assert_return (invoke "size") (i32.const 2))
;; old contents survive, new page is zeroed and accessible
(assert_return (invoke "load" (i32.const 65532)) (i32.const 0x55667788))
(assert_return (invoke "load" (i32.const 65534)) (i32.const 0x5566))
(assert_return (invoke "load" (i32.const 65536)) (i32.const 0))
(assert_return (invoke "load" (i32.const 131068)) (i32.const 0))
(assert_return (invoke "store" (i32.const 131068) (i32.const -1)))
(assert_return (invoke "load8" (i32.const 131071)) (i32.const 0xff))
(assert_trap (invoke "load" (i32.const 131069)) "out of bounds memory access")
(assert_trap (invoke "load8" (i32.const 131072)) "out of bounds memory access")
;; growing past the declared maximum fails and changes nothing
(assert_return (invoke "grow" (i32.const 3)) (i32.const -1))
(assert_return (invoke "size") (i32.const 2))
(assert_return (invoke "grow" (i32.const 0x10000)) (i32.const -1))
(assert_return (invoke "grow" (i32.const 0xffffffff)) (i32.const -1))
(assert_return (invoke "grow" (i32.const 0x80000000)) (i32.const -1))
(assert_return (invoke "size") (i32.const 2))
(assert_trap (invoke "load" (i32.const 131072)) "out of bounds memory access")
(assert_return (invoke "grow_and_size" (i32.const 1)) (i32.const 203))
(assert_return (invoke "grow" (i32.const 1)) (i32.const 3))
(assert_return (invoke "size") (i32.const 4))
(assert_return (invoke "load" (i32.const 262140)) (i32.const 0))
(assert_return (invoke "grow" (i32.const 1)) (i32.const -1))
(assert_return (invoke "grow_and_size" (i32.const 1)) (i32.const -96))
(assert_return (invoke "grow" (i32.const 0)) (i32.const 4))
(assert_trap (invoke "load" (i32.const 262144)) "out of bounds memory access")

;; memory with no maximum, starting empty
(module
  (memory 0)
  (func (export "size") (result i32) (memory.size))
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "load8") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "store8") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
)
(assert_return (invoke "size") (i32.const 0))
(assert_trap (invoke "load8" (i32.const 0)) "out of bounds memory access")
(assert_return (invoke "grow" (i32.const 0)) (i32.const 0))
(assert_trap (invoke "load8" (i32.const 0)) "out of bounds memory access")
(assert_return (invoke "grow" (i32.const 1)) (i32.const 0))
(assert_return (invoke "load8" (i32.const 0)) (i32.const 0))
(assert_return (invoke "store8" (i32.const 65535) (i32.const 0x1ab)))
(assert_return (invoke "load8" (i32.const 65535)) (i32.const 0xab))
(assert_return (invoke "grow" (i32.const 2)) (i32.const 1))
(assert_return (invoke "size") (i32.const 3))
(assert_return (invoke "load8" (i32.const 196607)) (i32.const 0))
(assert_trap (invoke "load8" (i32.const 196608)) "out of bounds memory access")
;; more than 4 GiB (65536 pages) in total can never be satisfied
(assert_return (invoke "grow" (i32.const 65534)) (i32.const -1))
(assert_return (invoke "grow" (i32.const 0x10000)) (i32.const -1))
(assert_return (invoke "grow" (i32.const -1)) (i32.const -1))
(assert_return (invoke "size") (i32.const 3))

;; memory whose minimum equals its maximum cannot grow at all
(module
  (memory 2 2)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "size") (result i32) (memory.size))
)
(assert_return (invoke "grow" (i32.const 0)) (i32.const 2))
(assert_return (invoke "grow" (i32.const 1)) (i32.const -1))
(assert_return (invoke "size") (i32.const 2))

;; memory.grow inside a loop, checking size at each step
(module
  (memory 0 8)
  (func (export "grow_loop") (result i32)
    (local $i i32) (local $sum i32)
    (block $done
      (loop $again
        (br_if $done (i32.eq (memory.grow (i32.const 1)) (i32.const -1)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (i32.store8 (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 1)) (local.get $i))
        (local.set $sum
          (i32.add (local.get $sum)
            (i32.load8_u (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 1)))))
        (br $again)))
    (i32.add (i32.mul (local.get $i) (i32.const 1000)) (local.get $sum)))
  (func (export "size") (result i32) (memory.size))
)
(assert_return (invoke "grow_loop") (i32.const 8036))
(assert_return (invoke "size") (i32.const 8))
