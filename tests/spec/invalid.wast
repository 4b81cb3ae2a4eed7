;; Modules that must be rejected: assert_invalid (well-formed but failing
;; validation) and assert_malformed, in both the binary and the quoted
;; text form.

;; --- validation: operand and result types ---------------------------------
(assert_invalid (module (func (result i32) (i32.add (i32.const 1) (i64.const 2)))) "type mismatch")
(assert_invalid (module (func (result i64) (i32.const 1))) "type mismatch")
(assert_invalid (module (func (result i32))) "type mismatch")
(assert_invalid (module (func (i32.const 1))) "type mismatch")
(assert_invalid (module (func (result f32) (f64.const 1))) "type mismatch")
(assert_invalid (module (func (drop))) "type mismatch")
(assert_invalid (module (func (i32.eqz (i64.const 0)) (drop))) "type mismatch")
(assert_invalid (module (func (result f64) (f64.neg (f32.const 0)))) "type mismatch")
(assert_invalid (module (func (result i32) (i32.wrap_i64 (i32.const 0)))) "type mismatch")
(assert_invalid (module (func (result i32) (block (result i32) (i64.const 0)))) "type mismatch")
(assert_invalid (module (func (result i32) (block (i32.const 0)))) "type mismatch")
(assert_invalid (module (func (result i32) (loop (result i32)))) "type mismatch")
(assert_invalid (module (func (result i32) (if (result i32) (i32.const 1) (then (i32.const 1))))) "type mismatch")
(assert_invalid (module (func (result i32) (if (result i32) (i32.const 1) (then (i32.const 1)) (else (i64.const 1))))) "type mismatch")
(assert_invalid (module (func (if (i64.const 1) (then)))) "type mismatch")
(assert_invalid (module (func (result i32) (block (result i32) (br_if 0 (i64.const 1) (i32.const 1))))) "type mismatch")
(assert_invalid (module (func (result i32) (block (result i32) (br 0)))) "type mismatch")
(assert_invalid (module (func (br_if 0 (f32.const 1)))) "type mismatch")
(assert_invalid
  (module (func (result i32)
    (block $a (result i32) (block $b (result i64) (br_table $a $b (i32.const 0) (i32.const 0)))) ))
  "type mismatch")
(assert_invalid (module (func (result i32) (return (i64.const 1)))) "type mismatch")
(assert_invalid (module (func (result i32) (return))) "type mismatch")
(assert_invalid (module (func (result i32) (select (i32.const 1) (i64.const 2) (i32.const 1)))) "type mismatch")
(assert_invalid (module (func (result i32) (select (i32.const 1) (i32.const 2) (i64.const 1)))) "type mismatch")
(assert_invalid (module (func (local i32) (local.set 0 (f32.const 0)))) "type mismatch")
(assert_invalid (module (func (param i64) (result i32) (local.get 0))) "type mismatch")
(assert_invalid (module (func $f (param i32)) (func (call $f (i64.const 0)))) "type mismatch")
(assert_invalid (module (func $f (param i32 i32)) (func (call $f (i32.const 0)))) "type mismatch")
(assert_invalid (module (func $f (result i32) (i32.const 0)) (func (result i64) (call $f))) "type mismatch")
(assert_invalid
  (module (type $t (func (param i32))) (table 1 funcref)
    (func (call_indirect (type $t) (f32.const 0) (i32.const 0))))
  "type mismatch")
(assert_invalid
  (module (type $t (func)) (table 1 funcref) (func (call_indirect (type $t) (i64.const 0))))
  "type mismatch")
(assert_invalid (module (memory 1) (func (i32.store (i32.const 0) (i64.const 0)))) "type mismatch")
(assert_invalid (module (memory 1) (func (result i32) (i64.load (i32.const 0)))) "type mismatch")
(assert_invalid (module (memory 1) (func (drop (f32.load (i64.const 0))))) "type mismatch")
(assert_invalid (module (memory 1) (func (result i64) (memory.grow (i64.const 1)))) "type mismatch")
(assert_invalid (module (memory 1) (func (memory.fill (i32.const 0) (i32.const 0) (i64.const 0)))) "type mismatch")
(assert_invalid (module (table 1 funcref) (func (table.set 0 (i32.const 0) (ref.null extern)))) "type mismatch")
(assert_invalid (module (func (result i32) (ref.is_null (i32.const 0)))) "type mismatch")
(assert_invalid (module (global (mut i32) (i32.const 0)) (func (global.set 0 (f64.const 0)))) "type mismatch")
(assert_invalid (module (global f64 (f32.const 0))) "type mismatch")
(assert_invalid (module (memory 1) (data (i64.const 0) "")) "type mismatch")
(assert_invalid (module (table 1 funcref) (elem (f32.const 0))) "type mismatch")
(assert_invalid (module (func (result i32 i32) (i32.const 0))) "type mismatch")
(assert_invalid (module (func (block (param i32) (drop)))) "type mismatch")

;; --- validation: unknown indices -------------------------------------------
(assert_invalid (module (func (result i32) (local.get 0))) "unknown local")
(assert_invalid (module (func (param i32) (local.set 1 (i32.const 0)))) "unknown local")
(assert_invalid (module (func (call 5))) "unknown function")
(assert_invalid (module (func (result i32) (global.get 0))) "unknown global")
(assert_invalid (module (func (br 1))) "unknown label")
(assert_invalid (module (func (block (br_table 0 2 (i32.const 0))))) "unknown label")
(assert_invalid (module (func (drop (i32.load (i32.const 0))))) "unknown memory")
(assert_invalid (module (func (i32.store8 (i32.const 0) (i32.const 0)))) "unknown memory")
(assert_invalid (module (func (drop (memory.size)))) "unknown memory")
(assert_invalid (module (func (drop (memory.grow (i32.const 0))))) "unknown memory")
(assert_invalid (module (func (call_indirect (i32.const 0)))) "unknown table")
(assert_invalid (module (func (drop (table.size 0)))) "unknown table")
(assert_invalid (module (memory 1) (func (data.drop 0))) "unknown data segment")
(assert_invalid (module (table 1 funcref) (func (elem.drop 0))) "unknown elem segment")
(assert_invalid (module (func (ref.func 3) (drop))) "unknown function")
(assert_invalid (module (start 0)) "unknown function")
(assert_invalid (module (export "f" (func 0))) "unknown function")
(assert_invalid (module (export "m" (memory 0))) "unknown memory")

;; --- validation: other rules ---------------------------------------------------
(assert_invalid (module (memory 1) (func (drop (i32.load align=8 (i32.const 0))))) "alignment must not be larger than natural")
(assert_invalid (module (memory 1) (func (drop (i64.load32_u align=8 (i32.const 0))))) "alignment must not be larger than natural")
(assert_invalid (module (memory 1) (func (i32.store16 align=4 (i32.const 0) (i32.const 0)))) "alignment must not be larger than natural")
(assert_invalid (module (memory 1) (func (drop (i32.load8_s align=2 (i32.const 0))))) "alignment must not be larger than natural")
(assert_invalid (module (global i32 (i32.const 0)) (func (global.set 0 (i32.const 1)))) "global is immutable")
(assert_invalid (module (memory 2 1)) "size minimum must not be greater than maximum")
(assert_invalid (module (memory 65537)) "memory size must be at most 65536 pages (4GiB)")
(assert_invalid (module (memory 1 65537)) "memory size must be at most 65536 pages (4GiB)")
(assert_invalid (module (table 3 2 funcref)) "size minimum must not be greater than maximum")
(assert_invalid (module (memory 1) (memory 1)) "multiple memories")
(assert_invalid (module (func $f (param i32)) (start $f)) "start function")
(assert_invalid (module (func $f (result i32) (i32.const 0)) (start $f)) "start function")
(assert_invalid (module (func $f) (export "a" (func $f)) (export "a" (func $f))) "duplicate export name")
(assert_invalid (module (global i32 (i32.add (i32.const 1) (i32.const 1)))) "constant expression required")
(assert_invalid (module (global $g (mut i32) (i32.const 0)) (global i32 (global.get $g))) "constant expression required")
(assert_invalid (module (memory 1) (data (i32.ctz (i32.const 0)) "")) "constant expression required")
(assert_invalid (module (func $f) (func (drop (ref.func $f)))) "undeclared function reference")

;; --- malformed: binary encoding ------------------------------------------------
(assert_malformed (module binary "") "unexpected end")
(assert_malformed (module binary "\00asm") "unexpected end")
(assert_malformed (module binary "\00asm\01\00\00") "unexpected end")
(assert_malformed (module binary "asm\00\01\00\00\00") "magic header not detected")
(assert_malformed (module binary "\00ASM\01\00\00\00") "magic header not detected")
(assert_malformed (module binary "\00asm\02\00\00\00") "unknown binary version")
(assert_malformed (module binary "\00asm\00\00\00\01") "unknown binary version")
;; unknown section id
(assert_malformed (module binary "\00asm\01\00\00\00" "\7f\00") "malformed section id")
;; a section whose declared size runs past the end of the module
(assert_malformed (module binary "\00asm\01\00\00\00" "\01\05\00") "unexpected end")
;; type section: bad form byte (0x61 instead of 0x60)
(assert_malformed (module binary "\00asm\01\00\00\00" "\01\04\01\61\00\00") "malformed function type")
;; type section: invalid value type 0x7a
(assert_malformed (module binary "\00asm\01\00\00\00" "\01\05\01\60\01\7a\00") "malformed value type")
;; function section declares a function, but there is no code section
(assert_malformed
  (module binary "\00asm\01\00\00\00"
    "\01\04\01\60\00\00"      ;; type 0: [] -> []
    "\03\02\01\00")           ;; one function of type 0
  "function and code section have inconsistent lengths")
;; a function body that is missing its end opcode
(assert_malformed
  (module binary "\00asm\01\00\00\00"
    "\01\04\01\60\00\00"
    "\03\02\01\00"
    "\0a\04\01\02\00\01")     ;; body: 0 locals, nop, no end
  "END opcode expected")
;; an over-long LEB128 in the function count
(assert_malformed
  (module binary "\00asm\01\00\00\00"
    "\01\04\01\60\00\00"
    "\03\07\81\80\80\80\80\00\00")
  "integer representation too long")
;; an unknown opcode inside a body
(assert_malformed
  (module binary "\00asm\01\00\00\00"
    "\01\04\01\60\00\00"
    "\03\02\01\00"
    "\0a\05\01\03\00\ff\0b")
  "illegal opcode")
;; sections out of order: memory section (5) before type section (1)
(assert_malformed
  (module binary "\00asm\01\00\00\00"
    "\05\03\01\00\01"
    "\01\01\00")
  "unexpected content after last section")
;; a custom section whose name length runs off the end
(assert_malformed (module binary "\00asm\01\00\00\00" "\00\02\05a") "unexpected end")
;; duplicate type section
(assert_malformed
  (module binary "\00asm\01\00\00\00" "\01\01\00" "\01\01\00")
  "unexpected content after last section")

;; --- malformed: text format ----------------------------------------------------
(assert_malformed (module quote "(func (i32.addd))") "unknown operator")
(assert_malformed (module quote "(func (result i32) (i32.const 0x100000000) (drop))") "constant out of range")
(assert_malformed (module quote "(func (result i32) (i32.const -2147483649))") "constant out of range")
(assert_malformed (module quote "(func (result i64) (i64.const 18446744073709551616))") "constant out of range")
(assert_malformed (module quote "(func (result f32) (f32.const 1e39x))") "unknown operator")
(assert_malformed (module quote "(func (param i33))") "unexpected token")
(assert_malformed (module quote "(func (local i32) (param i32))") "unexpected token")
(assert_malformed (module quote "(func (result i32) (param i32) (local.get 0))") "unexpected token")
(assert_malformed (module quote "(memory 1) (func (drop (i32.load align=3 (i32.const 0))))") "alignment")
(assert_malformed (module quote "(memory 1) (func (drop (i32.load offset=-1 (i32.const 0))))") "unknown operator")
(assert_malformed (module quote "(func $f) (func $f)") "duplicate func")
(assert_malformed (module quote "(func (local $x i32) (local $x i32))") "duplicate local")
(assert_malformed (module quote "(func (br $nowhere))") "unknown label")
(assert_malformed (module quote "(func (call $missing))") "unknown function")
(assert_malformed (module quote "(func" ) "unexpected end")
(assert_malformed (module quote "(func))") "unexpected token")
(assert_malformed (module quote "(data \"\\g\")") "illegal escape")
(assert_malformed (module quote "(type $t (func)) (func (type $t) (param i32))") "inline function type")
