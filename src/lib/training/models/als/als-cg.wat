;; Conjugate-gradient solves of implicit ALS (Hu, Koren & Volinsky 2008;
;; Takács, Pilászy & Tikk 2011), WebAssembly SIMD (f32x4). For each row u of
;; a CSR chunk, x_u ← x_u after `steps` CG steps on
;;   (G + Σ_{i∈u} (c_ui − 1) y_i y_iᵀ) x = Σ_{i∈u} c_ui y_i,   G = YᵀY + λI,
;; warm-started from the x_u already in memory. The factor count f must be a
;; multiple of 4. Float32 throughout (as benfred/implicit's CG). The caller
;; (als-wasm.ts beside this file) lays the arrays out in the shared memory and
;; passes byte offsets.
(module
  ;; One memory shared by every training thread: both factor matrices live in
  ;; it (solved in place), beside one private region per thread (als-wasm.ts).
  (import "env" "memory" (memory 1 65536 shared))

  (func $hsum (param $v v128) (result f32)
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $v)) (f32x4.extract_lane 1 (local.get $v)))
      (f32.add (f32x4.extract_lane 2 (local.get $v)) (f32x4.extract_lane 3 (local.get $v)))))

  ;; Σ a[k] b[k] over `bytes` bytes (a multiple of 16).
  (func $dot (param $a i32) (param $b i32) (param $bytes i32) (result f32)
    (local $i i32) (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128)
    (block $done4
      (loop $l4
        (br_if $done4 (i32.gt_u (i32.add (local.get $i) (i32.const 64)) (local.get $bytes)))
        (local.set $s0 (f32x4.add (local.get $s0)
          (f32x4.mul (v128.load (i32.add (local.get $a) (local.get $i))) (v128.load (i32.add (local.get $b) (local.get $i))))))
        (local.set $s1 (f32x4.add (local.get $s1)
          (f32x4.mul (v128.load offset=16 (i32.add (local.get $a) (local.get $i))) (v128.load offset=16 (i32.add (local.get $b) (local.get $i))))))
        (local.set $s2 (f32x4.add (local.get $s2)
          (f32x4.mul (v128.load offset=32 (i32.add (local.get $a) (local.get $i))) (v128.load offset=32 (i32.add (local.get $b) (local.get $i))))))
        (local.set $s3 (f32x4.add (local.get $s3)
          (f32x4.mul (v128.load offset=48 (i32.add (local.get $a) (local.get $i))) (v128.load offset=48 (i32.add (local.get $b) (local.get $i))))))
        (local.set $i (i32.add (local.get $i) (i32.const 64)))
        (br $l4)))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $bytes)))
        (local.set $s0 (f32x4.add (local.get $s0)
          (f32x4.mul (v128.load (i32.add (local.get $a) (local.get $i))) (v128.load (i32.add (local.get $b) (local.get $i))))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $l)))
    (call $hsum (f32x4.add (f32x4.add (local.get $s0) (local.get $s1)) (f32x4.add (local.get $s2) (local.get $s3)))))

;; out[k] += w · y[k], 64 bytes per turn while they last.
  (func $axpy (param $w f32) (param $y i32) (param $out i32) (param $bytes i32)
    (local $i i32) (local $wv v128) (local $o i32) (local $s i32)
    (local.set $wv (f32x4.splat (local.get $w)))
    (block $done4
      (loop $l4
        (br_if $done4 (i32.gt_u (i32.add (local.get $i) (i32.const 64)) (local.get $bytes)))
        (local.set $o (i32.add (local.get $out) (local.get $i)))
        (local.set $s (i32.add (local.get $y) (local.get $i)))
        (v128.store (local.get $o)
          (f32x4.add (v128.load (local.get $o)) (f32x4.mul (local.get $wv) (v128.load (local.get $s)))))
        (v128.store offset=16 (local.get $o)
          (f32x4.add (v128.load offset=16 (local.get $o)) (f32x4.mul (local.get $wv) (v128.load offset=16 (local.get $s)))))
        (v128.store offset=32 (local.get $o)
          (f32x4.add (v128.load offset=32 (local.get $o)) (f32x4.mul (local.get $wv) (v128.load offset=32 (local.get $s)))))
        (v128.store offset=48 (local.get $o)
          (f32x4.add (v128.load offset=48 (local.get $o)) (f32x4.mul (local.get $wv) (v128.load offset=48 (local.get $s)))))
        (local.set $i (i32.add (local.get $i) (i32.const 64)))
        (br $l4)))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $bytes)))
        (local.set $o (i32.add (local.get $out) (local.get $i)))
        (local.set $s (i32.add (local.get $y) (local.get $i)))
        (v128.store (local.get $o)
          (f32x4.add (v128.load (local.get $o)) (f32x4.mul (local.get $wv) (v128.load (local.get $s)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $l))))

  ;; d = y·v; out += (a + b·d) · y   — one pass over y for both (y stays in L1).
  (func $dotAxpy (param $y i32) (param $v i32) (param $out i32) (param $bytes i32) (param $a f32) (param $b f32)
    (call $axpy
      (f32.add (local.get $a) (f32.mul (local.get $b) (call $dot (local.get $y) (local.get $v) (local.get $bytes))))
      (local.get $y) (local.get $out) (local.get $bytes)))

;; out = sign · G v (G f×f, row-major), four rows at a time: each load of v
  ;; serves four rows, and out is written once (f a multiple of 4).
  (func $gemv (param $g i32) (param $v i32) (param $out i32) (param $f i32) (param $sign f32)
    (local $a i32) (local $i i32) (local $bytes i32) (local $row i32) (local $vb v128)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128)
    (local.set $bytes (i32.shl (local.get $f) (i32.const 2)))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $a) (local.get $f)))
        (local.set $row (i32.add (local.get $g) (i32.mul (local.get $a) (local.get $bytes))))
        (local.set $s0 (v128.const i32x4 0 0 0 0))
        (local.set $s1 (v128.const i32x4 0 0 0 0))
        (local.set $s2 (v128.const i32x4 0 0 0 0))
        (local.set $s3 (v128.const i32x4 0 0 0 0))
        (local.set $i (i32.const 0))
        (block $colsDone
          (loop $cols
            (br_if $colsDone (i32.ge_u (local.get $i) (local.get $bytes)))
            (local.set $vb (v128.load (i32.add (local.get $v) (local.get $i))))
            (local.set $s0 (f32x4.add (local.get $s0)
              (f32x4.mul (local.get $vb) (v128.load (i32.add (local.get $row) (local.get $i))))))
            (local.set $s1 (f32x4.add (local.get $s1)
              (f32x4.mul (local.get $vb) (v128.load (i32.add (i32.add (local.get $row) (local.get $bytes)) (local.get $i))))))
            (local.set $s2 (f32x4.add (local.get $s2)
              (f32x4.mul (local.get $vb) (v128.load (i32.add (i32.add (local.get $row) (i32.shl (local.get $bytes) (i32.const 1))) (local.get $i))))))
            (local.set $s3 (f32x4.add (local.get $s3)
              (f32x4.mul (local.get $vb) (v128.load (i32.add (i32.add (local.get $row) (i32.mul (local.get $bytes) (i32.const 3))) (local.get $i))))))
            (local.set $i (i32.add (local.get $i) (i32.const 16)))
            (br $cols)))
        (f32.store (i32.add (local.get $out) (i32.shl (local.get $a) (i32.const 2)))
          (f32.mul (local.get $sign) (call $hsum (local.get $s0))))
        (f32.store offset=4 (i32.add (local.get $out) (i32.shl (local.get $a) (i32.const 2)))
          (f32.mul (local.get $sign) (call $hsum (local.get $s1))))
        (f32.store offset=8 (i32.add (local.get $out) (i32.shl (local.get $a) (i32.const 2)))
          (f32.mul (local.get $sign) (call $hsum (local.get $s2))))
        (f32.store offset=12 (i32.add (local.get $out) (i32.shl (local.get $a) (i32.const 2)))
          (f32.mul (local.get $sign) (call $hsum (local.get $s3))))
        (local.set $a (i32.add (local.get $a) (i32.const 4)))
        (br $rows))))

  ;; p = r + beta · p
  (func $xpby (param $r i32) (param $beta f32) (param $p i32) (param $bytes i32)
    (local $i i32) (local $bv v128)
    (local.set $bv (f32x4.splat (local.get $beta)))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (local.get $bytes)))
        (v128.store (i32.add (local.get $p) (local.get $i))
          (f32x4.add (v128.load (i32.add (local.get $r) (local.get $i)))
            (f32x4.mul (local.get $bv) (v128.load (i32.add (local.get $p) (local.get $i))))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br $l))))

  ;; Rows [0, rows) of the chunk. indptr: rows + 1 i32 entries, absolute, minus
  ;; `base` to index the chunk's indices (i32 item rows of y) and values (f32
  ;; confidences c). x: rows × f f32, updated in place. scratch: 3f f32.
  (func (export "solve")
    (param $gram i32) (param $y i32) (param $f i32) (param $indptr i32) (param $base i32)
    (param $indices i32) (param $values i32) (param $x i32) (param $rows i32) (param $steps i32) (param $scratch i32)
    (local $bytes i32) (local $r i32) (local $p i32) (local $ap i32)
    (local $u i32) (local $k i32) (local $to i32) (local $xb i32) (local $c f32)
    (local $step i32) (local $rsOld f32) (local $rsNew f32) (local $pap f32) (local $alpha f32)
    (local.set $bytes (i32.shl (local.get $f) (i32.const 2)))
    (local.set $r (local.get $scratch))
    (local.set $p (i32.add (local.get $scratch) (local.get $bytes)))
    (local.set $ap (i32.add (local.get $p) (local.get $bytes)))
    (block $rowsDone
      (loop $rowLoop
        (br_if $rowsDone (i32.ge_u (local.get $u) (local.get $rows)))
        (local.set $k (i32.sub (i32.load (i32.add (local.get $indptr) (i32.shl (local.get $u) (i32.const 2)))) (local.get $base)))
        (local.set $to (i32.sub (i32.load offset=4 (i32.add (local.get $indptr) (i32.shl (local.get $u) (i32.const 2)))) (local.get $base)))
        (local.set $xb (i32.add (local.get $x) (i32.mul (local.get $u) (local.get $bytes))))
        (if (i32.eq (local.get $k) (local.get $to))
          (then (memory.fill (local.get $xb) (i32.const 0) (local.get $bytes)))
          (else
            ;; r = b − A x = Σ c y − G x − Σ (c − 1)(y·x) y
            (call $gemv (local.get $gram) (local.get $xb) (local.get $r) (local.get $f) (f32.const -1))
            (call $rowPassF (local.get $k) (local.get $to) (local.get $indices) (local.get $values) (local.get $y)
              (local.get $xb) (local.get $r) (local.get $bytes) (i32.const 1))
            (memory.copy (local.get $p) (local.get $r) (local.get $bytes))
            (local.set $rsOld (call $dot (local.get $r) (local.get $r) (local.get $bytes)))
            (local.set $step (i32.const 0))
            (block $cgDone
              (loop $cg
                (br_if $cgDone (i32.ge_u (local.get $step) (local.get $steps)))
                (br_if $cgDone (i32.eqz (f32.gt (local.get $rsOld) (f32.const 1e-20))))
                ;; ap = A p = G p + Σ (c − 1)(y·p) y
                (call $gemv (local.get $gram) (local.get $p) (local.get $ap) (local.get $f) (f32.const 1))
                (call $rowPassF (local.get $k) (local.get $to) (local.get $indices) (local.get $values) (local.get $y)
                  (local.get $p) (local.get $ap) (local.get $bytes) (i32.const 0))
                (local.set $pap (call $dot (local.get $p) (local.get $ap) (local.get $bytes)))
                (br_if $cgDone (i32.eqz (f32.gt (local.get $pap) (f32.const 0))))
                (local.set $alpha (f32.div (local.get $rsOld) (local.get $pap)))
                (call $axpy (local.get $alpha) (local.get $p) (local.get $xb) (local.get $bytes))
                (call $axpy (f32.neg (local.get $alpha)) (local.get $ap) (local.get $r) (local.get $bytes))
                (local.set $rsNew (call $dot (local.get $r) (local.get $r) (local.get $bytes)))
                (call $xpby (local.get $r) (f32.div (local.get $rsNew) (local.get $rsOld)) (local.get $p) (local.get $bytes))
                (local.set $rsOld (local.get $rsNew))
                (local.set $step (i32.add (local.get $step) (i32.const 1)))
                (br $cg)))))
        (local.set $u (i32.add (local.get $u) (i32.const 1)))
        (br $rowLoop))))

  ;; rowPass for f = 32: out (and v) held in locals across the row's items.
  (func $rowPass32 (param $k i32) (param $to i32) (param $indices i32) (param $values i32) (param $y i32) (param $v i32) (param $out i32) (param $residual i32)
    (local $c f32) (local $yb i32) (local $w f32) (local $d v128) (local $o0 v128) (local $o1 v128) (local $o2 v128) (local $o3 v128) (local $o4 v128) (local $o5 v128) (local $o6 v128) (local $o7 v128) (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128) (local $v4 v128) (local $v5 v128) (local $v6 v128) (local $v7 v128)
    (local.set $o0 (v128.load offset=0 (local.get $out)))
    (local.set $v0 (v128.load offset=0 (local.get $v)))
    (local.set $o1 (v128.load offset=16 (local.get $out)))
    (local.set $v1 (v128.load offset=16 (local.get $v)))
    (local.set $o2 (v128.load offset=32 (local.get $out)))
    (local.set $v2 (v128.load offset=32 (local.get $v)))
    (local.set $o3 (v128.load offset=48 (local.get $out)))
    (local.set $v3 (v128.load offset=48 (local.get $v)))
    (local.set $o4 (v128.load offset=64 (local.get $out)))
    (local.set $v4 (v128.load offset=64 (local.get $v)))
    (local.set $o5 (v128.load offset=80 (local.get $out)))
    (local.set $v5 (v128.load offset=80 (local.get $v)))
    (local.set $o6 (v128.load offset=96 (local.get $out)))
    (local.set $v6 (v128.load offset=96 (local.get $v)))
    (local.set $o7 (v128.load offset=112 (local.get $out)))
    (local.set $v7 (v128.load offset=112 (local.get $v)))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $k) (local.get $to)))
        (local.set $c (f32.load (i32.add (local.get $values) (i32.shl (local.get $k) (i32.const 2)))))
        (local.set $yb (i32.add (local.get $y) (i32.mul (i32.load (i32.add (local.get $indices) (i32.shl (local.get $k) (i32.const 2)))) (i32.const 128))))
        (local.set $d (f32x4.add (f32x4.add (f32x4.add (f32x4.mul (v128.load offset=0 (local.get $yb)) (local.get $v0)) (f32x4.mul (v128.load offset=16 (local.get $yb)) (local.get $v1))) (f32x4.add (f32x4.mul (v128.load offset=32 (local.get $yb)) (local.get $v2)) (f32x4.mul (v128.load offset=48 (local.get $yb)) (local.get $v3)))) (f32x4.add (f32x4.add (f32x4.mul (v128.load offset=64 (local.get $yb)) (local.get $v4)) (f32x4.mul (v128.load offset=80 (local.get $yb)) (local.get $v5))) (f32x4.add (f32x4.mul (v128.load offset=96 (local.get $yb)) (local.get $v6)) (f32x4.mul (v128.load offset=112 (local.get $yb)) (local.get $v7))))))
        (local.set $w (f32.mul (f32.sub (local.get $c) (f32.const 1)) (call $hsum (local.get $d))))
        (if (local.get $residual) (then (local.set $w (f32.sub (local.get $c) (local.get $w)))))
        (local.set $d (f32x4.splat (local.get $w)))
        (local.set $o0 (f32x4.add (local.get $o0) (f32x4.mul (local.get $d) (v128.load offset=0 (local.get $yb)))))
        (local.set $o1 (f32x4.add (local.get $o1) (f32x4.mul (local.get $d) (v128.load offset=16 (local.get $yb)))))
        (local.set $o2 (f32x4.add (local.get $o2) (f32x4.mul (local.get $d) (v128.load offset=32 (local.get $yb)))))
        (local.set $o3 (f32x4.add (local.get $o3) (f32x4.mul (local.get $d) (v128.load offset=48 (local.get $yb)))))
        (local.set $o4 (f32x4.add (local.get $o4) (f32x4.mul (local.get $d) (v128.load offset=64 (local.get $yb)))))
        (local.set $o5 (f32x4.add (local.get $o5) (f32x4.mul (local.get $d) (v128.load offset=80 (local.get $yb)))))
        (local.set $o6 (f32x4.add (local.get $o6) (f32x4.mul (local.get $d) (v128.load offset=96 (local.get $yb)))))
        (local.set $o7 (f32x4.add (local.get $o7) (f32x4.mul (local.get $d) (v128.load offset=112 (local.get $yb)))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $l)))
    (v128.store offset=0 (local.get $out) (local.get $o0))
    (v128.store offset=16 (local.get $out) (local.get $o1))
    (v128.store offset=32 (local.get $out) (local.get $o2))
    (v128.store offset=48 (local.get $out) (local.get $o3))
    (v128.store offset=64 (local.get $out) (local.get $o4))
    (v128.store offset=80 (local.get $out) (local.get $o5))
    (v128.store offset=96 (local.get $out) (local.get $o6))
    (v128.store offset=112 (local.get $out) (local.get $o7))
  )

  ;; rowPass for f = 64: out (and not v) held in locals across the row's items.
  (func $rowPass64 (param $k i32) (param $to i32) (param $indices i32) (param $values i32) (param $y i32) (param $v i32) (param $out i32) (param $residual i32)
    (local $c f32) (local $yb i32) (local $w f32) (local $d v128) (local $o0 v128) (local $o1 v128) (local $o2 v128) (local $o3 v128) (local $o4 v128) (local $o5 v128) (local $o6 v128) (local $o7 v128) (local $o8 v128) (local $o9 v128) (local $o10 v128) (local $o11 v128) (local $o12 v128) (local $o13 v128) (local $o14 v128) (local $o15 v128)
    (local.set $o0 (v128.load offset=0 (local.get $out)))
    (local.set $o1 (v128.load offset=16 (local.get $out)))
    (local.set $o2 (v128.load offset=32 (local.get $out)))
    (local.set $o3 (v128.load offset=48 (local.get $out)))
    (local.set $o4 (v128.load offset=64 (local.get $out)))
    (local.set $o5 (v128.load offset=80 (local.get $out)))
    (local.set $o6 (v128.load offset=96 (local.get $out)))
    (local.set $o7 (v128.load offset=112 (local.get $out)))
    (local.set $o8 (v128.load offset=128 (local.get $out)))
    (local.set $o9 (v128.load offset=144 (local.get $out)))
    (local.set $o10 (v128.load offset=160 (local.get $out)))
    (local.set $o11 (v128.load offset=176 (local.get $out)))
    (local.set $o12 (v128.load offset=192 (local.get $out)))
    (local.set $o13 (v128.load offset=208 (local.get $out)))
    (local.set $o14 (v128.load offset=224 (local.get $out)))
    (local.set $o15 (v128.load offset=240 (local.get $out)))
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $k) (local.get $to)))
        (local.set $c (f32.load (i32.add (local.get $values) (i32.shl (local.get $k) (i32.const 2)))))
        (local.set $yb (i32.add (local.get $y) (i32.mul (i32.load (i32.add (local.get $indices) (i32.shl (local.get $k) (i32.const 2)))) (i32.const 256))))
        (local.set $d (f32x4.add (f32x4.add (f32x4.add (f32x4.add (f32x4.mul (v128.load offset=0 (local.get $yb)) (v128.load offset=0 (local.get $v))) (f32x4.mul (v128.load offset=16 (local.get $yb)) (v128.load offset=16 (local.get $v)))) (f32x4.add (f32x4.mul (v128.load offset=32 (local.get $yb)) (v128.load offset=32 (local.get $v))) (f32x4.mul (v128.load offset=48 (local.get $yb)) (v128.load offset=48 (local.get $v))))) (f32x4.add (f32x4.add (f32x4.mul (v128.load offset=64 (local.get $yb)) (v128.load offset=64 (local.get $v))) (f32x4.mul (v128.load offset=80 (local.get $yb)) (v128.load offset=80 (local.get $v)))) (f32x4.add (f32x4.mul (v128.load offset=96 (local.get $yb)) (v128.load offset=96 (local.get $v))) (f32x4.mul (v128.load offset=112 (local.get $yb)) (v128.load offset=112 (local.get $v)))))) (f32x4.add (f32x4.add (f32x4.add (f32x4.mul (v128.load offset=128 (local.get $yb)) (v128.load offset=128 (local.get $v))) (f32x4.mul (v128.load offset=144 (local.get $yb)) (v128.load offset=144 (local.get $v)))) (f32x4.add (f32x4.mul (v128.load offset=160 (local.get $yb)) (v128.load offset=160 (local.get $v))) (f32x4.mul (v128.load offset=176 (local.get $yb)) (v128.load offset=176 (local.get $v))))) (f32x4.add (f32x4.add (f32x4.mul (v128.load offset=192 (local.get $yb)) (v128.load offset=192 (local.get $v))) (f32x4.mul (v128.load offset=208 (local.get $yb)) (v128.load offset=208 (local.get $v)))) (f32x4.add (f32x4.mul (v128.load offset=224 (local.get $yb)) (v128.load offset=224 (local.get $v))) (f32x4.mul (v128.load offset=240 (local.get $yb)) (v128.load offset=240 (local.get $v))))))))
        (local.set $w (f32.mul (f32.sub (local.get $c) (f32.const 1)) (call $hsum (local.get $d))))
        (if (local.get $residual) (then (local.set $w (f32.sub (local.get $c) (local.get $w)))))
        (local.set $d (f32x4.splat (local.get $w)))
        (local.set $o0 (f32x4.add (local.get $o0) (f32x4.mul (local.get $d) (v128.load offset=0 (local.get $yb)))))
        (local.set $o1 (f32x4.add (local.get $o1) (f32x4.mul (local.get $d) (v128.load offset=16 (local.get $yb)))))
        (local.set $o2 (f32x4.add (local.get $o2) (f32x4.mul (local.get $d) (v128.load offset=32 (local.get $yb)))))
        (local.set $o3 (f32x4.add (local.get $o3) (f32x4.mul (local.get $d) (v128.load offset=48 (local.get $yb)))))
        (local.set $o4 (f32x4.add (local.get $o4) (f32x4.mul (local.get $d) (v128.load offset=64 (local.get $yb)))))
        (local.set $o5 (f32x4.add (local.get $o5) (f32x4.mul (local.get $d) (v128.load offset=80 (local.get $yb)))))
        (local.set $o6 (f32x4.add (local.get $o6) (f32x4.mul (local.get $d) (v128.load offset=96 (local.get $yb)))))
        (local.set $o7 (f32x4.add (local.get $o7) (f32x4.mul (local.get $d) (v128.load offset=112 (local.get $yb)))))
        (local.set $o8 (f32x4.add (local.get $o8) (f32x4.mul (local.get $d) (v128.load offset=128 (local.get $yb)))))
        (local.set $o9 (f32x4.add (local.get $o9) (f32x4.mul (local.get $d) (v128.load offset=144 (local.get $yb)))))
        (local.set $o10 (f32x4.add (local.get $o10) (f32x4.mul (local.get $d) (v128.load offset=160 (local.get $yb)))))
        (local.set $o11 (f32x4.add (local.get $o11) (f32x4.mul (local.get $d) (v128.load offset=176 (local.get $yb)))))
        (local.set $o12 (f32x4.add (local.get $o12) (f32x4.mul (local.get $d) (v128.load offset=192 (local.get $yb)))))
        (local.set $o13 (f32x4.add (local.get $o13) (f32x4.mul (local.get $d) (v128.load offset=208 (local.get $yb)))))
        (local.set $o14 (f32x4.add (local.get $o14) (f32x4.mul (local.get $d) (v128.load offset=224 (local.get $yb)))))
        (local.set $o15 (f32x4.add (local.get $o15) (f32x4.mul (local.get $d) (v128.load offset=240 (local.get $yb)))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $l)))
    (v128.store offset=0 (local.get $out) (local.get $o0))
    (v128.store offset=16 (local.get $out) (local.get $o1))
    (v128.store offset=32 (local.get $out) (local.get $o2))
    (v128.store offset=48 (local.get $out) (local.get $o3))
    (v128.store offset=64 (local.get $out) (local.get $o4))
    (v128.store offset=80 (local.get $out) (local.get $o5))
    (v128.store offset=96 (local.get $out) (local.get $o6))
    (v128.store offset=112 (local.get $out) (local.get $o7))
    (v128.store offset=128 (local.get $out) (local.get $o8))
    (v128.store offset=144 (local.get $out) (local.get $o9))
    (v128.store offset=160 (local.get $out) (local.get $o10))
    (v128.store offset=176 (local.get $out) (local.get $o11))
    (v128.store offset=192 (local.get $out) (local.get $o12))
    (v128.store offset=208 (local.get $out) (local.get $o13))
    (v128.store offset=224 (local.get $out) (local.get $o14))
    (v128.store offset=240 (local.get $out) (local.get $o15))
  )


  ;; rowPass, specialised for the common factor counts (locals stay in registers).
  (func $rowPassF (param $k i32) (param $to i32) (param $indices i32) (param $values i32) (param $y i32)
    (param $v i32) (param $out i32) (param $bytes i32) (param $residual i32)
    (if (i32.eq (local.get $bytes) (i32.const 128))
      (then (call $rowPass32 (local.get $k) (local.get $to) (local.get $indices) (local.get $values) (local.get $y)
        (local.get $v) (local.get $out) (local.get $residual)) (return)))
    (if (i32.eq (local.get $bytes) (i32.const 256))
      (then (call $rowPass64 (local.get $k) (local.get $to) (local.get $indices) (local.get $values) (local.get $y)
        (local.get $v) (local.get $out) (local.get $residual)) (return)))
    (call $rowPass (local.get $k) (local.get $to) (local.get $indices) (local.get $values) (local.get $y)
      (local.get $v) (local.get $out) (local.get $bytes) (local.get $residual)))

  ;; For k in [k, to): out += w_k y_k with, when `residual`, w = c − (c − 1)(y·v),
  ;; else w = (c − 1)(y·v).
  (func $rowPass (param $k i32) (param $to i32) (param $indices i32) (param $values i32) (param $y i32)
    (param $v i32) (param $out i32) (param $bytes i32) (param $residual i32)
    (local $c f32) (local $yb i32)
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $k) (local.get $to)))
        (local.set $c (f32.load (i32.add (local.get $values) (i32.shl (local.get $k) (i32.const 2)))))
        (local.set $yb (i32.add (local.get $y)
          (i32.mul (i32.load (i32.add (local.get $indices) (i32.shl (local.get $k) (i32.const 2)))) (local.get $bytes))))
        (if (local.get $residual)
          (then (call $dotAxpy (local.get $yb) (local.get $v) (local.get $out) (local.get $bytes)
            (local.get $c) (f32.neg (f32.sub (local.get $c) (f32.const 1)))))
          (else (call $dotAxpy (local.get $yb) (local.get $v) (local.get $out) (local.get $bytes)
            (f32.const 0) (f32.sub (local.get $c) (f32.const 1)))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $l))))
;; out (f×f f32, row-major) += Σ_{row ∈ [start, end)} y_row y_rowᵀ (full square).
  (func (export "gram") (param $y i32) (param $f i32) (param $start i32) (param $end i32) (param $out i32)
    (local $bytes i32) (local $row i32) (local $a i32) (local $yr i32)
    (local.set $bytes (i32.shl (local.get $f) (i32.const 2)))
    (local.set $row (local.get $start))
    (block $done
      (loop $rows
        (br_if $done (i32.ge_u (local.get $row) (local.get $end)))
        (local.set $yr (i32.add (local.get $y) (i32.mul (local.get $row) (local.get $bytes))))
        (local.set $a (i32.const 0))
        (block $colsDone
          (loop $cols
            (br_if $colsDone (i32.ge_u (local.get $a) (local.get $f)))
            (call $axpy
              (f32.load (i32.add (local.get $yr) (i32.shl (local.get $a) (i32.const 2))))
              (local.get $yr)
              (i32.add (local.get $out) (i32.mul (local.get $a) (local.get $bytes)))
              (local.get $bytes))
            (local.set $a (i32.add (local.get $a) (i32.const 1)))
            (br $cols)))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (br $rows))))
)
