;; SIMD kernel of the factor models: scores every item against one user vector.
;; Four f32x4 accumulators per row (64 bytes a step) keep the adds independent.
;; Compiled by scripts/build-kernels.js into dot-scores.wasm.ts (checked by a test).
(module
  (memory (export "memory") 1)
  ;; out[i] = bias[i] + <user, items[i]> for i < n; f is a multiple of 16 floats (64 bytes).
  (func (export "score") (param $items i32) (param $bias i32) (param $user i32) (param $out i32) (param $n i32) (param $f i32)
    (local $i i32) (local $k i32) (local $row i32) (local $fb i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local.set $fb (i32.shl (local.get $f) (i32.const 2)))
    (local.set $row (local.get $items))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $a0 (v128.const f32x4 0 0 0 0))
      (local.set $a1 (v128.const f32x4 0 0 0 0))
      (local.set $a2 (v128.const f32x4 0 0 0 0))
      (local.set $a3 (v128.const f32x4 0 0 0 0))
      (local.set $k (i32.const 0))
      (block $kdone (loop $kloop
        (br_if $kdone (i32.ge_u (local.get $k) (local.get $fb)))
        (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (v128.load (i32.add (local.get $row) (local.get $k))) (v128.load (i32.add (local.get $user) (local.get $k))))))
        (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (v128.load offset=16 (i32.add (local.get $row) (local.get $k))) (v128.load offset=16 (i32.add (local.get $user) (local.get $k))))))
        (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (v128.load offset=32 (i32.add (local.get $row) (local.get $k))) (v128.load offset=32 (i32.add (local.get $user) (local.get $k))))))
        (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (v128.load offset=48 (i32.add (local.get $row) (local.get $k))) (v128.load offset=48 (i32.add (local.get $user) (local.get $k))))))
        (local.set $k (i32.add (local.get $k) (i32.const 64)))
        (br $kloop)))
      (local.set $a0 (f32x4.add (f32x4.add (local.get $a0) (local.get $a1)) (f32x4.add (local.get $a2) (local.get $a3))))
      (f32.store (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2)))
        (f32.add
          (f32.add (f32.add (f32x4.extract_lane 0 (local.get $a0)) (f32x4.extract_lane 1 (local.get $a0)))
                   (f32.add (f32x4.extract_lane 2 (local.get $a0)) (f32x4.extract_lane 3 (local.get $a0))))
          (f32.load (i32.add (local.get $bias) (i32.shl (local.get $i) (i32.const 2))))))
      (local.set $row (i32.add (local.get $row) (local.get $fb)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))))
