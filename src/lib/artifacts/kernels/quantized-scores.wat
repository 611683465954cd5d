;; Approximate all-items scoring for the factor models on int8 item factors.
;; In float32, 27k items × 64 factors is 6.9 MB per request, more than the L2
;; cache; as int8 rows the matrix is 1.7 MB, and the i32x4.dot_i16x8_s
;; instruction does 8 multiply-adds per step. The caller
;; (quantized-top-k.ts) bounds the quantization error and re-scores the few
;; candidates near the top-k threshold exactly, so the final ranking is exact.
;; Compiled by scripts/build-kernels.js into quantized-scores.wasm.ts (checked by a test).
(module
  (memory (export "memory") 1)

  ;; out[i] = f32(<items[i], user>) * scales[i] * userScale + bias[i], for i < n.
  ;; items: n rows of `stride` int8 (stride a multiple of 16, zero padded);
  ;; user: `stride` int16; scales, bias, out: n float32; n a multiple of 4.
  ;; Four rows per step share each user load, and their four sums are reduced
  ;; and scaled as one vector. Each 8 item factors arrive sign-extended to int16
  ;; by one v128.load8x8_s (on x86 one pmovsxbw from memory) instead of a
  ;; 16-byte load and two extends, which took bench:score's top-k from 114 to
  ;; 100 µs per user (27,000 × 64; the scan is bound by instructions, not memory).
  (func (export "score") (param $items i32) (param $scales i32) (param $bias i32) (param $user i32)
        (param $out i32) (param $n i32) (param $stride i32) (param $userScale f32)
    (local $i i32) (local $k i32) (local $r0 i32) (local $r1 i32) (local $r2 i32) (local $r3 i32)
    (local $ulo v128) (local $uhi v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $v v128) (local $at i32)
    (local.set $r0 (local.get $items))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $r1 (i32.add (local.get $r0) (local.get $stride)))
      (local.set $r2 (i32.add (local.get $r1) (local.get $stride)))
      (local.set $r3 (i32.add (local.get $r2) (local.get $stride)))
      (local.set $a0 (v128.const i32x4 0 0 0 0))
      (local.set $a1 (v128.const i32x4 0 0 0 0))
      (local.set $a2 (v128.const i32x4 0 0 0 0))
      (local.set $a3 (v128.const i32x4 0 0 0 0))
      (local.set $k (i32.const 0))
      (block $kdone (loop $kloop
        (br_if $kdone (i32.ge_u (local.get $k) (local.get $stride)))
        (local.set $ulo (v128.load (i32.add (local.get $user) (i32.shl (local.get $k) (i32.const 1)))))
        (local.set $uhi (v128.load offset=16 (i32.add (local.get $user) (i32.shl (local.get $k) (i32.const 1)))))
        (local.set $a0 (i32x4.add (i32x4.add (local.get $a0)
          (i32x4.dot_i16x8_s (v128.load8x8_s (i32.add (local.get $r0) (local.get $k))) (local.get $ulo)))
          (i32x4.dot_i16x8_s (v128.load8x8_s offset=8 (i32.add (local.get $r0) (local.get $k))) (local.get $uhi))))
        (local.set $a1 (i32x4.add (i32x4.add (local.get $a1)
          (i32x4.dot_i16x8_s (v128.load8x8_s (i32.add (local.get $r1) (local.get $k))) (local.get $ulo)))
          (i32x4.dot_i16x8_s (v128.load8x8_s offset=8 (i32.add (local.get $r1) (local.get $k))) (local.get $uhi))))
        (local.set $a2 (i32x4.add (i32x4.add (local.get $a2)
          (i32x4.dot_i16x8_s (v128.load8x8_s (i32.add (local.get $r2) (local.get $k))) (local.get $ulo)))
          (i32x4.dot_i16x8_s (v128.load8x8_s offset=8 (i32.add (local.get $r2) (local.get $k))) (local.get $uhi))))
        (local.set $a3 (i32x4.add (i32x4.add (local.get $a3)
          (i32x4.dot_i16x8_s (v128.load8x8_s (i32.add (local.get $r3) (local.get $k))) (local.get $ulo)))
          (i32x4.dot_i16x8_s (v128.load8x8_s offset=8 (i32.add (local.get $r3) (local.get $k))) (local.get $uhi))))
        (local.set $k (i32.add (local.get $k) (i32.const 16)))
        (br $kloop)))
      ;; Transpose-reduce: a0 = [a0.0+a0.2, a0.1+a0.3, a1.0+a1.2, a1.1+a1.3], a2 likewise for rows 2-3,
      ;; then v = [sum row0, sum row1, sum row2, sum row3].
      (local.set $a0 (i32x4.add
        (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $a0) (local.get $a1))
        (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $a0) (local.get $a1))))
      (local.set $a2 (i32x4.add
        (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $a2) (local.get $a3))
        (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $a2) (local.get $a3))))
      (local.set $v (i32x4.add
        (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $a0) (local.get $a2))
        (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $a0) (local.get $a2))))
      (local.set $at (i32.shl (local.get $i) (i32.const 2)))
      (v128.store (i32.add (local.get $out) (local.get $at))
        (f32x4.add
          (f32x4.mul
            (f32x4.mul (f32x4.convert_i32x4_s (local.get $v)) (v128.load (i32.add (local.get $scales) (local.get $at))))
            (f32x4.splat (local.get $userScale)))
          (v128.load (i32.add (local.get $bias) (local.get $at)))))
      (local.set $r0 (i32.add (local.get $r3) (local.get $stride)))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $next))))

  ;; blocks[b] = max(scores[16b .. 16b+15]) for b < n/16 (n a multiple of 16).
  ;; Lets the caller find top-k candidates by visiting a few blocks, not every item.
  ;; f32x4.pmax (one maxps), not f32x4.max / f32.max: those carry wasm's NaN and
  ;; signed-zero rules, which V8 lowers to several instructions per lane, and cost
  ;; this pass about 40% of the scan's own time (bench:serve profile). Scores hold
  ;; no NaN (quantized-top-k.ts zeroes non-finite rows and rejects a non-finite
  ;; user), so the maxima are the same; -0 vs +0 compare equal where they are used.
  ;; Four blocks per step, reduced to one vector of four maxima by a transpose.
  (func (export "blockMax") (param $scores i32) (param $n i32) (param $blocks i32)
    (local $at i32) (local $end i32) (local $b i32)
    (local $m0 v128) (local $m1 v128) (local $m2 v128) (local $m3 v128)
    (local.set $at (local.get $scores))
    (local.set $end (i32.add (local.get $scores) (i32.shl (local.get $n) (i32.const 2))))
    (local.set $b (local.get $blocks))
    (block $done4 (loop $next4
      ;; Until fewer than four whole blocks (256 bytes) are left.
      (br_if $done4 (i32.gt_u (i32.add (local.get $at) (i32.const 256)) (local.get $end)))
      (local.set $m0 (f32x4.pmax
        (f32x4.pmax (v128.load (local.get $at)) (v128.load offset=16 (local.get $at)))
        (f32x4.pmax (v128.load offset=32 (local.get $at)) (v128.load offset=48 (local.get $at)))))
      (local.set $m1 (f32x4.pmax
        (f32x4.pmax (v128.load offset=64 (local.get $at)) (v128.load offset=80 (local.get $at)))
        (f32x4.pmax (v128.load offset=96 (local.get $at)) (v128.load offset=112 (local.get $at)))))
      (local.set $m2 (f32x4.pmax
        (f32x4.pmax (v128.load offset=128 (local.get $at)) (v128.load offset=144 (local.get $at)))
        (f32x4.pmax (v128.load offset=160 (local.get $at)) (v128.load offset=176 (local.get $at)))))
      (local.set $m3 (f32x4.pmax
        (f32x4.pmax (v128.load offset=192 (local.get $at)) (v128.load offset=208 (local.get $at)))
        (f32x4.pmax (v128.load offset=224 (local.get $at)) (v128.load offset=240 (local.get $at)))))
      ;; m0 = [m0.0|m0.2, m0.1|m0.3, m1.0|m1.2, m1.1|m1.3] (| is max), m2 likewise for blocks 2-3,
      ;; then m0 = [block 0, block 1, block 2, block 3].
      (local.set $m0 (f32x4.pmax
        (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $m0) (local.get $m1))
        (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $m0) (local.get $m1))))
      (local.set $m2 (f32x4.pmax
        (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $m2) (local.get $m3))
        (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $m2) (local.get $m3))))
      (v128.store (local.get $b) (f32x4.pmax
        (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $m0) (local.get $m2))
        (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $m0) (local.get $m2))))
      (local.set $at (i32.add (local.get $at) (i32.const 256)))
      (local.set $b (i32.add (local.get $b) (i32.const 16)))
      (br $next4)))
    ;; The last one to three blocks, one at a time.
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $at) (local.get $end)))
      (local.set $m0 (f32x4.pmax
        (f32x4.pmax (v128.load (local.get $at)) (v128.load offset=16 (local.get $at)))
        (f32x4.pmax (v128.load offset=32 (local.get $at)) (v128.load offset=48 (local.get $at)))))
      (local.set $m0 (f32x4.pmax (local.get $m0) (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $m0) (local.get $m0))))
      (local.set $m0 (f32x4.pmax (local.get $m0) (i8x16.shuffle 4 5 6 7 0 1 2 3 12 13 14 15 8 9 10 11 (local.get $m0) (local.get $m0))))
      (f32.store (local.get $b) (f32x4.extract_lane 0 (local.get $m0)))
      (local.set $at (i32.add (local.get $at) (i32.const 64)))
      (local.set $b (i32.add (local.get $b) (i32.const 4)))
      (br $next))))
  ;; Exact re-scoring of the candidates: every item whose approximate score
  ;; (out) is >= threshold, skipping whole blocks whose maximum is below it.
  ;; score = bias[i] + sum_j f64(exact[i*f+j]) * user[j], summed in float64 in
  ;; j order: the same arithmetic as the TypeScript reference, bit for bit.
  ;; Writes indices to $candIdx and scores to $candScore; returns the count.
  (func (export "rescore") (param $out i32) (param $blocks i32) (param $nBlocks i32) (param $n i32)
        (param $threshold f32) (param $exact i32) (param $exactBias i32) (param $user i32) (param $f i32)
        (param $candIdx i32) (param $candScore i32) (result i32)
    (local $b i32) (local $i i32) (local $end i32) (local $j i32) (local $row i32) (local $count i32)
    (local $s f32) (local $acc f64)
    (block $bdone (loop $bnext
      (br_if $bdone (i32.ge_u (local.get $b) (local.get $nBlocks)))
      (local.set $s (f32.load (i32.add (local.get $blocks) (i32.shl (local.get $b) (i32.const 2)))))
      (if (i32.and (f32.ge (local.get $s) (local.get $threshold)) (f32.ne (local.get $s) (f32.const -inf)))
        (then
          (local.set $i (i32.shl (local.get $b) (i32.const 4)))
          (local.set $end (i32.add (local.get $i) (i32.const 16)))
          (if (i32.gt_u (local.get $end) (local.get $n)) (then (local.set $end (local.get $n))))
          (block $idone (loop $inext
            (br_if $idone (i32.ge_u (local.get $i) (local.get $end)))
            (local.set $s (f32.load (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2)))))
            (if (i32.and (f32.ge (local.get $s) (local.get $threshold)) (f32.ne (local.get $s) (f32.const -inf)))
              (then
                (local.set $acc (f64.promote_f32 (f32.load (i32.add (local.get $exactBias) (i32.shl (local.get $i) (i32.const 2))))))
                (local.set $row (i32.add (local.get $exact) (i32.shl (i32.mul (local.get $i) (local.get $f)) (i32.const 2))))
                (local.set $j (i32.const 0))
                (block $jdone (loop $jnext
                  (br_if $jdone (i32.ge_u (local.get $j) (local.get $f)))
                  (local.set $acc (f64.add (local.get $acc)
                    (f64.mul
                      (f64.promote_f32 (f32.load (i32.add (local.get $row) (i32.shl (local.get $j) (i32.const 2)))))
                      (f64.load (i32.add (local.get $user) (i32.shl (local.get $j) (i32.const 3)))))))
                  (local.set $j (i32.add (local.get $j) (i32.const 1)))
                  (br $jnext)))
                (i32.store (i32.add (local.get $candIdx) (i32.shl (local.get $count) (i32.const 2))) (local.get $i))
                (f64.store (i32.add (local.get $candScore) (i32.shl (local.get $count) (i32.const 3))) (local.get $acc))
                (local.set $count (i32.add (local.get $count) (i32.const 1)))))
            (local.set $i (i32.add (local.get $i) (i32.const 1)))
            (br $inext)))))
      (local.set $b (i32.add (local.get $b) (i32.const 1)))
      (br $bnext)))
    (local.get $count))

  ;; The k-th largest of vals[0..n) (-inf when fewer than k exceed -inf): the
  ;; block-max lower bound on the k-th best score. Keeps the k largest seen so
  ;; far in $top, descending (insertion: k is small, few values enter).
  (func (export "kthLargest") (param $vals i32) (param $n i32) (param $k i32) (param $top i32) (result f32)
    (local $i i32) (local $size i32) (local $pos i32) (local $v f32) (local $floor f32) (local $prev f32)
    (local.set $floor (f32.const -inf))
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (local.set $v (f32.load (i32.add (local.get $vals) (i32.shl (local.get $i) (i32.const 2)))))
      (if (f32.gt (local.get $v) (local.get $floor))
        (then
          (if (i32.lt_u (local.get $size) (local.get $k))
            (then (local.set $size (i32.add (local.get $size) (i32.const 1)))))
          (local.set $pos (i32.sub (local.get $size) (i32.const 1)))
          (block $placed (loop $shift
            (br_if $placed (i32.eqz (local.get $pos)))
            (local.set $prev (f32.load (i32.add (local.get $top) (i32.shl (i32.sub (local.get $pos) (i32.const 1)) (i32.const 2)))))
            (br_if $placed (f32.ge (local.get $prev) (local.get $v)))
            (f32.store (i32.add (local.get $top) (i32.shl (local.get $pos) (i32.const 2))) (local.get $prev))
            (local.set $pos (i32.sub (local.get $pos) (i32.const 1)))
            (br $shift)))
          (f32.store (i32.add (local.get $top) (i32.shl (local.get $pos) (i32.const 2))) (local.get $v))
          (if (i32.eq (local.get $size) (local.get $k))
            (then (local.set $floor
              (f32.load (i32.add (local.get $top) (i32.shl (i32.sub (local.get $k) (i32.const 1)) (i32.const 2)))))))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
    (local.get $floor))
)
