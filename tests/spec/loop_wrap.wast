;; Loops whose i32 address sums wrap, at and across the loop's boundaries. The code generator
;; gives counted loops of this shape (`iv += C` then `br_if` on `iv != bound` or `iv <u bound`;
;; addresses `iv + x` with x a parameter) a second copy with 64-bit address sums, entered only
;; when a check at the loop's entry proves no sum wraps (src/engine/loop_versioning.cpp). Each
;; case below either takes that copy or must be refused it: a wrapped address that lands in
;; memory reads and writes there, one that does not traps, and so does the first address at or
;; past the end, with the stores before it kept.
(module
  (memory 1)
  (data (i32.const 0) "\01\00\00\00\02\00\00\00\03\00\00\00\04\00\00\00\05\00\00\00\06\00\00\00")
  (data (i32.const 65520) "\10\00\00\00\20\00\00\00\30\00\00\00\40\00\00\00")

  ;; acc += mem[iv + x] for iv = start, start + 4, ... while (iv += 4) != bound
  (func (export "sum_ne") (param $start i32) (param $bound i32) (param $x i32) (result i32)
    (local $iv i32) (local $acc i32)
    (local.set $iv (local.get $start))
    (loop $l
      (local.set $acc
        (i32.add (local.get $acc) (i32.load (i32.add (local.get $iv) (local.get $x)))))
      (br_if $l (i32.ne (local.tee $iv (i32.add (local.get $iv) (i32.const 4)))
                        (local.get $bound))))
    (local.get $acc))

  ;; the same with `<u` as the latch
  (func (export "sum_lt") (param $start i32) (param $bound i32) (param $x i32) (result i32)
    (local $iv i32) (local $acc i32)
    (local.set $iv (local.get $start))
    (loop $l
      (local.set $acc
        (i32.add (local.get $acc) (i32.load (i32.add (local.get $iv) (local.get $x)))))
      (br_if $l (i32.lt_u (local.tee $iv (i32.add (local.get $iv) (i32.const 4)))
                          (local.get $bound))))
    (local.get $acc))

  ;; a static offset on top of the sum
  (func (export "sum_ne_off") (param $start i32) (param $bound i32) (param $x i32) (result i32)
    (local $iv i32) (local $acc i32)
    (local.set $iv (local.get $start))
    (loop $l
      (local.set $acc
        (i32.add (local.get $acc)
                 (i32.load offset=65532 (i32.add (local.get $iv) (local.get $x)))))
      (br_if $l (i32.ne (local.tee $iv (i32.add (local.get $iv) (i32.const 4)))
                        (local.get $bound))))
    (local.get $acc))

  ;; mem[iv + x] = v, the address teed through a local as clang writes it
  (func (export "fill_ne") (param $start i32) (param $bound i32) (param $x i32) (param $v i32)
    (local $iv i32) (local $a i32)
    (local.set $iv (local.get $start))
    (loop $l
      (local.set $a (i32.add (local.get $iv) (local.get $x)))
      (i32.store (local.get $a) (local.get $v))
      (br_if $l (i32.ne (local.tee $iv (i32.add (local.get $iv) (i32.const 4)))
                        (local.get $bound)))))

  ;; n iterations of acc += mem[p + x + 4] with a counter c (0, 1, ... != n) and a pointer p
  ;; stepping by 8 apart from it, as clang writes loops over a run-time size
  (func (export "sum_ptr") (param $p i32) (param $n i32) (param $x i32) (result i32)
    (local $c i32) (local $acc i32)
    (loop $l
      (local.set $acc
        (i32.add (local.get $acc)
                 (i32.load (i32.add (i32.add (local.get $p) (local.get $x)) (i32.const 4)))))
      (local.set $p (i32.add (local.get $p) (i32.const 8)))
      (br_if $l (i32.ne (local.tee $c (i32.add (local.get $c) (i32.const 1)))
                        (local.get $n))))
    (local.get $acc))

  (func (export "load") (param $a i32) (result i32) (i32.load (local.get $a)))
)

;; No sum wraps: the 64-bit copy runs and reads the same words.
(assert_return (invoke "sum_ne" (i32.const 0) (i32.const 16) (i32.const 0)) (i32.const 10))
(assert_return (invoke "sum_ne" (i32.const 0) (i32.const 16) (i32.const 65520)) (i32.const 160))
(assert_return (invoke "sum_lt" (i32.const 0) (i32.const 16) (i32.const 0)) (i32.const 10))
(assert_return (invoke "sum_lt" (i32.const 0) (i32.const 15) (i32.const 0)) (i32.const 10))
(assert_return (invoke "sum_ne_off" (i32.const 0) (i32.const 4) (i32.const 0)) (i32.const 64))

;; The last iteration's address is the first past the end: the trap comes at that access.
(assert_trap (invoke "sum_ne" (i32.const 0) (i32.const 20) (i32.const 65520)) "out of bounds memory access")
(assert_trap (invoke "sum_lt" (i32.const 0) (i32.const 17) (i32.const 65520)) "out of bounds memory access")
(assert_trap (invoke "sum_ne_off" (i32.const 0) (i32.const 8) (i32.const 0)) "out of bounds memory access")

;; x is -4: every sum wraps to the word before iv, in memory.
(assert_return (invoke "sum_ne" (i32.const 4) (i32.const 20) (i32.const -4)) (i32.const 10))
(assert_return (invoke "sum_lt" (i32.const 4) (i32.const 20) (i32.const -4)) (i32.const 10))
;; x is -8 and iv starts at 0: the first sum wraps to 2^32 - 8, out of bounds.
(assert_trap (invoke "sum_ne" (i32.const 0) (i32.const 16) (i32.const -8)) "out of bounds memory access")
;; A sum past 2^32 with the offset: (2^32 - 4 + 4) wraps to 0, plus 65532.
(assert_return (invoke "sum_ne_off" (i32.const 4) (i32.const 8) (i32.const -4)) (i32.const 64))

;; iv itself wraps: from 2^32 - 8 through 0 up to 8, the sums iv + 16 are 8, 12, 16, 20.
(assert_return (invoke "sum_ne" (i32.const -8) (i32.const 8) (i32.const 16)) (i32.const 18))
;; ... and with `<u`, iv wraps to 0 and goes on until its address leaves memory.
(assert_trap (invoke "sum_lt" (i32.const -16) (i32.const -1) (i32.const 16)) "out of bounds memory access")

;; The steps never meet the bound (6 is not 0 + 4k; the start is the bound): the loop runs on
;; until its address leaves memory.
(assert_trap (invoke "sum_ne" (i32.const 0) (i32.const 6) (i32.const 0)) "out of bounds memory access")
(assert_trap (invoke "sum_ne" (i32.const 16) (i32.const 16) (i32.const 0)) "out of bounds memory access")
;; A start at or past a `<u` bound runs the body once.
(assert_return (invoke "sum_lt" (i32.const 4) (i32.const 0) (i32.const 0)) (i32.const 2))

;; A pointer apart from the counter: its last value bounds the check.
(assert_return (invoke "sum_ptr" (i32.const 0) (i32.const 2) (i32.const 0)) (i32.const 6))
(assert_return (invoke "sum_ptr" (i32.const 65512) (i32.const 3) (i32.const 0)) (i32.const 96))
(assert_trap (invoke "sum_ptr" (i32.const 65512) (i32.const 4) (i32.const 0)) "out of bounds memory access")
;; The pointer starts at 2^32 - 8 and wraps in the first iteration's sum (to 0) and then itself.
(assert_return (invoke "sum_ptr" (i32.const -8) (i32.const 3) (i32.const 4)) (i32.const 9))
;; x is -4: p + x wraps, and + 4 brings it back to p.
(assert_return (invoke "sum_ptr" (i32.const 0) (i32.const 3) (i32.const -4)) (i32.const 9))
;; The first sum is 2^32 - 4: out of bounds.
(assert_trap (invoke "sum_ptr" (i32.const -8) (i32.const 3) (i32.const 0)) "out of bounds memory access")
;; n = 0: the counter never meets it; the pointer runs off the end of memory.
(assert_trap (invoke "sum_ptr" (i32.const 0) (i32.const 0) (i32.const 0)) "out of bounds memory access")

;; Stores: the 64-bit copy stops at the end of memory with every earlier store done.
(assert_trap (invoke "fill_ne" (i32.const 0) (i32.const 65540) (i32.const 0) (i32.const 7)) "out of bounds memory access")
(assert_return (invoke "load" (i32.const 65532)) (i32.const 7))
(assert_return (invoke "load" (i32.const 0)) (i32.const 7))
;; Wrapped stores (x is -4) land at 0..12.
(assert_return (invoke "fill_ne" (i32.const 4) (i32.const 20) (i32.const -4) (i32.const 9)))
(assert_return (invoke "load" (i32.const 0)) (i32.const 9))
(assert_return (invoke "load" (i32.const 12)) (i32.const 9))
(assert_return (invoke "load" (i32.const 16)) (i32.const 7))
;; Wrapped stores that leave memory trap before writing anything.
(assert_trap (invoke "fill_ne" (i32.const 0) (i32.const 16) (i32.const -8) (i32.const 5)) "out of bounds memory access")
(assert_return (invoke "load" (i32.const 0)) (i32.const 9))
