;; Like grow_reset.wat, with a memory large enough that its calls map few of its pages: such a
;; memory's writes are not tracked, and the pages its calls grow and write wait in the stash
;; between calls (src/engine/grown_stash.h). Every call must still start at 20 pages, find zeros
;; wherever it grows, and trap past its size.
(module
  (memory 20)
  ;; 0 when all is well; 100 + size when the memory was not reset to 20 pages; 200 + the OS page
  ;; when a regrown page was not zero.
  (func $check_zero_and_fill (param $from i32) (param $to i32) (result i32)
    (local $p i32)
    (local.set $p (local.get $from))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $p) (local.get $to)))
        (if (i32.or (i64.ne (i64.load (local.get $p)) (i64.const 0))
                    (i64.ne (i64.load offset=4088 (local.get $p)) (i64.const 0)))
          (then (return (i32.add (i32.const 200) (i32.shr_u (local.get $p) (i32.const 12))))))
        (i64.store (local.get $p) (i64.const -1))
        (i64.store offset=4088 (local.get $p) (i64.const -1))
        (local.set $p (i32.add (local.get $p) (i32.const 4096)))
        (br $next)))
    (i32.const 0))
  (func $expect_size (result i32)
    (if (result i32) (i32.ne (memory.size) (i32.const 20))
      (then (i32.add (i32.const 100) (memory.size)))
      (else (i32.const 0))))
  ;; Grows by `pages` and writes every OS page grown.
  (func $grow_fill (param $pages i32) (result i32)
    (local $r i32)
    (local.set $r (call $expect_size))
    (if (local.get $r) (then (return (local.get $r))))
    (drop (memory.grow (local.get $pages)))
    (call $check_zero_and_fill (i32.const 1310720)
          (i32.mul (i32.add (i32.const 20) (local.get $pages)) (i32.const 65536))))
  (func (export "grow2") (result i32) (call $grow_fill (i32.const 2)))
  (func (export "grow4") (result i32) (call $grow_fill (i32.const 4)))
  (func (export "grow8") (result i32) (call $grow_fill (i32.const 8)))
  ;; Grows by one page, then by three more, checking and writing each part.
  (func (export "grow_in_steps") (result i32)
    (local $r i32)
    (local.set $r (call $expect_size))
    (if (local.get $r) (then (return (local.get $r))))
    (drop (memory.grow (i32.const 1)))
    (local.set $r (call $check_zero_and_fill (i32.const 1310720) (i32.const 1376256)))
    (if (local.get $r) (then (return (local.get $r))))
    (drop (memory.grow (i32.const 3)))
    (call $check_zero_and_fill (i32.const 1376256) (i32.const 1572864)))
  ;; Reads the first byte past the restored size: out of bounds unless grown.
  (func (export "read_past") (result i32)
    (i32.load8_u (i32.const 1310720))))
