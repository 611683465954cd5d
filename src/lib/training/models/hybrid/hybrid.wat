;; The per-pair work of the hybrid (LightFM-style) WARP/BPR trainer in
;; WebAssembly SIMD: feature sums (represent), dot products and the Adagrad
;; updates. Bit for bit the arithmetic of the TypeScript kernel
;; (hybrid.kernel.ts): embeddings are stored as float32 and every operation is
;; done in float64 (f64x2 lanes) in the same order, rounded to float32 exactly
;; where the TypeScript stores into a Float32Array. So a seed gives the same
;; weights with either kernel. The row length (dim × 4 bytes) must be a
;; multiple of 16. The caller (hybrid-wasm.ts beside this file) lays the
;; arrays out in one memory and sets the globals below to their byte offsets.
(module
  ;; One memory shared by every training thread (Hogwild): embeddings, their
  ;; Adagrad accumulators and the feature lists, plus one private region per
  ;; thread (scratch rows and the negative-screening cache).
  (import "env" "memory" (memory 1 65536 shared))

  (global $rowBytes (export "rowBytes") (mut i32) (i32.const 0))
  (global $nItems (export "nItems") (mut i32) (i32.const 0))
  (global $lr (export "lr") (mut f64) (f64.const 0))
  (global $reg (export "reg") (mut f64) (f64.const 0))
  ;; users' feature lists (CSR) and embeddings
  (global $uIndptr (export "uIndptr") (mut i32) (i32.const 0))
  (global $uFeat (export "uFeat") (mut i32) (i32.const 0))
  (global $uW (export "uW") (mut i32) (i32.const 0))
  (global $uEmb (export "uEmb") (mut i32) (i32.const 0))
  (global $uAcc (export "uAcc") (mut i32) (i32.const 0))
  ;; items' feature lists (CSR), embeddings and feature biases
  (global $iIndptr (export "iIndptr") (mut i32) (i32.const 0))
  (global $iFeat (export "iFeat") (mut i32) (i32.const 0))
  (global $iW (export "iW") (mut i32) (i32.const 0))
  (global $iEmb (export "iEmb") (mut i32) (i32.const 0))
  (global $iAcc (export "iAcc") (mut i32) (i32.const 0))
  (global $iBias (export "iBias") (mut i32) (i32.const 0))
  (global $iBiasAcc (export "iBiasAcc") (mut i32) (i32.const 0))
  ;; this thread's region: the user, positive, negative and difference rows, the cache
  (global $u (export "u") (mut i32) (i32.const 0))
  (global $pos (export "pos") (mut i32) (i32.const 0))
  (global $neg (export "neg") (mut i32) (i32.const 0))
  (global $diff (export "diff") (mut i32) (i32.const 0))
  (global $cache (export "cache") (mut i32) (i32.const 0))
  (global $cacheBias (export "cacheBias") (mut i32) (i32.const 0))
  ;; Where this thread reads and writes the rows of the items' shared (content)
  ;; features, ids nItems… : in place (one thread), or a private copy merged
  ;; into the shared rows by `sync` (Hogwild: every pair updates a few of these
  ;; few rows, so two threads writing them in place fight over their cache lines).
  (global $nShared (export "nShared") (mut i32) (i32.const 0))
  (global $sEmb (export "sEmb") (mut i32) (i32.const 0))
  (global $sAcc (export "sAcc") (mut i32) (i32.const 0))
  (global $sBias (export "sBias") (mut i32) (i32.const 0))
  (global $sBiasAcc (export "sBiasAcc") (mut i32) (i32.const 0))
  ;; the private copy as of the last sync: [emb][acc][bias][biasAcc]
  (global $snap (export "snap") (mut i32) (i32.const 0))

  ;; out = Σ_a w_a · emb[feat_a] over row `row` of a CSR feature matrix; each
  ;; step out[d] = f32(out[d] + w·e) in float64, as `represent` in TypeScript.
  ;; Feature ids from `split` on have their rows at semb (row id − split).
  (func $represent (param $indptr i32) (param $feat i32) (param $wts i32) (param $emb i32) (param $row i32) (param $out i32)
    (param $split i32) (param $semb i32)
    (local $a i32) (local $end i32) (local $base i32) (local $d i32) (local $n i32) (local $f i32)
    (local $w v128) (local $o v128) (local $e v128)
    (local.set $n (global.get $rowBytes))
    (loop $zero
      (v128.store (i32.add (local.get $out) (local.get $d)) (v128.const i32x4 0 0 0 0))
      (br_if $zero (i32.lt_u (local.tee $d (i32.add (local.get $d) (i32.const 16))) (local.get $n))))
    (local.set $a (i32.load (i32.add (local.get $indptr) (i32.shl (local.get $row) (i32.const 2)))))
    (local.set $end (i32.load offset=4 (i32.add (local.get $indptr) (i32.shl (local.get $row) (i32.const 2)))))
    (block $done
      (loop $features
        (br_if $done (i32.ge_s (local.get $a) (local.get $end)))
        (local.set $f (i32.load (i32.add (local.get $feat) (i32.shl (local.get $a) (i32.const 2)))))
        (local.set $base (if (result i32) (i32.lt_s (local.get $f) (local.get $split))
          (then (i32.add (local.get $emb) (i32.mul (local.get $f) (local.get $n))))
          (else (i32.add (local.get $semb) (i32.mul (i32.sub (local.get $f) (local.get $split)) (local.get $n))))))
        (local.set $w (f64x2.splat (f64.promote_f32 (f32.load (i32.add (local.get $wts) (i32.shl (local.get $a) (i32.const 2)))))))
        (local.set $d (i32.const 0))
        (loop $l
          (local.set $o (v128.load (i32.add (local.get $out) (local.get $d))))
          (local.set $e (v128.load (i32.add (local.get $base) (local.get $d))))
          (v128.store (i32.add (local.get $out) (local.get $d))
            (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
              (f32x4.demote_f64x2_zero
                (f64x2.add (f64x2.promote_low_f32x4 (local.get $o))
                  (f64x2.mul (local.get $w) (f64x2.promote_low_f32x4 (local.get $e)))))
              (f32x4.demote_f64x2_zero
                (f64x2.add (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $o) (local.get $o)))
                  (f64x2.mul (local.get $w)
                    (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $e) (local.get $e))))))))
          (br_if $l (i32.lt_u (local.tee $d (i32.add (local.get $d) (i32.const 16))) (local.get $n))))
        (local.set $a (i32.add (local.get $a) (i32.const 1)))
        (br $features))))

  ;; Σ a[d]·b[d] in float64 with four running sums s0…s3 (lane d mod 4),
  ;; returned as ((s0 + s1) + s2) + s3, as `dot` in TypeScript.
  (func $dot (param $a i32) (param $b i32) (result f64)
    (local $d i32) (local $s01 v128) (local $s23 v128) (local $x v128) (local $y v128)
    (loop $l
      (local.set $x (v128.load (i32.add (local.get $a) (local.get $d))))
      (local.set $y (v128.load (i32.add (local.get $b) (local.get $d))))
      (local.set $s01 (f64x2.add (local.get $s01)
        (f64x2.mul (f64x2.promote_low_f32x4 (local.get $x)) (f64x2.promote_low_f32x4 (local.get $y)))))
      (local.set $s23 (f64x2.add (local.get $s23)
        (f64x2.mul
          (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $x) (local.get $x)))
          (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $y) (local.get $y))))))
      (br_if $l (i32.lt_u (local.tee $d (i32.add (local.get $d) (i32.const 16))) (global.get $rowBytes))))
    (f64.add
      (f64.add
        (f64.add (f64x2.extract_lane 0 (local.get $s01)) (f64x2.extract_lane 1 (local.get $s01)))
        (f64x2.extract_lane 0 (local.get $s23)))
      (f64x2.extract_lane 1 (local.get $s23))))

  ;; Address of item feature f's entry in a bias array (shared features: in the thread's copy).
  (func $biasAt (param $bias i32) (param $sbias i32) (param $f i32) (result i32)
    (if (result i32) (i32.lt_s (local.get $f) (global.get $nItems))
      (then (i32.add (local.get $bias) (i32.shl (local.get $f) (i32.const 2))))
      (else (i32.add (local.get $sbias) (i32.shl (i32.sub (local.get $f) (global.get $nItems)) (i32.const 2))))))

  ;; Σ_a w_a · bias[feat_a] of item `row`, in float64.
  (func $itemBias (export "itemBias") (param $row i32) (result f64)
    (local $a i32) (local $end i32) (local $b f64) (local $f i32)
    (local.set $a (i32.load (i32.add (global.get $iIndptr) (i32.shl (local.get $row) (i32.const 2)))))
    (local.set $end (i32.load offset=4 (i32.add (global.get $iIndptr) (i32.shl (local.get $row) (i32.const 2)))))
    (block $done
      (loop $l
        (br_if $done (i32.ge_s (local.get $a) (local.get $end)))
        (local.set $f (i32.load (i32.add (global.get $iFeat) (i32.shl (local.get $a) (i32.const 2)))))
        (local.set $b (f64.add (local.get $b)
          (f64.mul
            (f64.promote_f32 (f32.load (i32.add (global.get $iW) (i32.shl (local.get $a) (i32.const 2)))))
            (f64.promote_f32 (f32.load (call $biasAt (global.get $iBias) (global.get $sBias) (local.get $f)))))))
        (local.set $a (i32.add (local.get $a) (i32.const 1)))
        (br $l)))
    (local.get $b))

  ;; Adagrad step on every feature row of `row`: g = scale·w_a·grad + λ·emb,
  ;; acc += g², emb −= lr·g / √acc (acc as stored, in float32).
  (func $adagradRows (param $indptr i32) (param $feat i32) (param $wts i32) (param $emb i32) (param $acc i32)
    (param $row i32) (param $grad i32) (param $scale f64) (param $split i32) (param $semb i32) (param $sacc i32)
    (local $a i32) (local $end i32) (local $f i32) (local $pb i32) (local $qb i32) (local $d i32) (local $n i32) (local $p i32) (local $q i32)
    (local $w v128) (local $lrv v128) (local $regv v128)
    (local $e v128) (local $g v128) (local $c v128) (local $gl v128) (local $gh v128) (local $cn v128)
    (local.set $n (global.get $rowBytes))
    (local.set $lrv (f64x2.splat (global.get $lr)))
    (local.set $regv (f64x2.splat (global.get $reg)))
    (local.set $a (i32.load (i32.add (local.get $indptr) (i32.shl (local.get $row) (i32.const 2)))))
    (local.set $end (i32.load offset=4 (i32.add (local.get $indptr) (i32.shl (local.get $row) (i32.const 2)))))
    (block $done
      (loop $features
        (br_if $done (i32.ge_s (local.get $a) (local.get $end)))
        (local.set $f (i32.load (i32.add (local.get $feat) (i32.shl (local.get $a) (i32.const 2)))))
        (if (i32.lt_s (local.get $f) (local.get $split))
          (then
            (local.set $pb (i32.add (local.get $emb) (i32.mul (local.get $f) (local.get $n))))
            (local.set $qb (i32.add (local.get $acc) (i32.mul (local.get $f) (local.get $n)))))
          (else
            (local.set $pb (i32.add (local.get $semb) (i32.mul (i32.sub (local.get $f) (local.get $split)) (local.get $n))))
            (local.set $qb (i32.add (local.get $sacc) (i32.mul (i32.sub (local.get $f) (local.get $split)) (local.get $n))))))
        (local.set $w (f64x2.splat (f64.mul (local.get $scale)
          (f64.promote_f32 (f32.load (i32.add (local.get $wts) (i32.shl (local.get $a) (i32.const 2))))))))
        (local.set $d (i32.const 0))
        (loop $l
          (local.set $p (i32.add (local.get $pb) (local.get $d)))
          (local.set $q (i32.add (local.get $qb) (local.get $d)))
          (local.set $e (v128.load (local.get $p)))
          (local.set $g (v128.load (i32.add (local.get $grad) (local.get $d))))
          (local.set $c (v128.load (local.get $q)))
          (local.set $gl (f64x2.add
            (f64x2.mul (local.get $w) (f64x2.promote_low_f32x4 (local.get $g)))
            (f64x2.mul (local.get $regv) (f64x2.promote_low_f32x4 (local.get $e)))))
          (local.set $gh (f64x2.add
            (f64x2.mul (local.get $w)
              (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $g) (local.get $g))))
            (f64x2.mul (local.get $regv)
              (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $e) (local.get $e))))))
          (local.set $cn
            (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
              (f32x4.demote_f64x2_zero
                (f64x2.add (f64x2.promote_low_f32x4 (local.get $c)) (f64x2.mul (local.get $gl) (local.get $gl))))
              (f32x4.demote_f64x2_zero
                (f64x2.add
                  (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $c) (local.get $c)))
                  (f64x2.mul (local.get $gh) (local.get $gh))))))
          (v128.store (local.get $q) (local.get $cn))
          (v128.store (local.get $p)
            (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
              (f32x4.demote_f64x2_zero
                (f64x2.sub (f64x2.promote_low_f32x4 (local.get $e))
                  (f64x2.div (f64x2.mul (local.get $lrv) (local.get $gl))
                    (f64x2.sqrt (f64x2.promote_low_f32x4 (local.get $cn))))))
              (f32x4.demote_f64x2_zero
                (f64x2.sub
                  (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $e) (local.get $e)))
                  (f64x2.div (f64x2.mul (local.get $lrv) (local.get $gh))
                    (f64x2.sqrt (f64x2.promote_low_f32x4
                      (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $cn) (local.get $cn)))))))))
          (br_if $l (i32.lt_u (local.tee $d (i32.add (local.get $d) (i32.const 16))) (local.get $n))))
        (local.set $a (i32.add (local.get $a) (i32.const 1)))
        (br $features))))

  ;; Adagrad step on the feature biases of item `row` with gradient scale·w_a.
  (func $adagradBias (param $row i32) (param $scale f64)
    (local $a i32) (local $end i32) (local $f i32) (local $g f64) (local $c f32) (local $pb i32) (local $qb i32)
    (local.set $a (i32.load (i32.add (global.get $iIndptr) (i32.shl (local.get $row) (i32.const 2)))))
    (local.set $end (i32.load offset=4 (i32.add (global.get $iIndptr) (i32.shl (local.get $row) (i32.const 2)))))
    (block $done
      (loop $l
        (br_if $done (i32.ge_s (local.get $a) (local.get $end)))
        (local.set $f (i32.load (i32.add (global.get $iFeat) (i32.shl (local.get $a) (i32.const 2)))))
        (local.set $pb (call $biasAt (global.get $iBias) (global.get $sBias) (local.get $f)))
        (local.set $qb (call $biasAt (global.get $iBiasAcc) (global.get $sBiasAcc) (local.get $f)))
        (local.set $g (f64.mul (local.get $scale)
          (f64.promote_f32 (f32.load (i32.add (global.get $iW) (i32.shl (local.get $a) (i32.const 2)))))))
        (local.set $c (f32.demote_f64 (f64.add
          (f64.promote_f32 (f32.load (local.get $qb)))
          (f64.mul (local.get $g) (local.get $g)))))
        (f32.store (local.get $qb) (local.get $c))
        (f32.store (local.get $pb)
          (f32.demote_f64 (f64.sub
            (f64.promote_f32 (f32.load (local.get $pb)))
            (f64.div (f64.mul (global.get $lr) (local.get $g)) (f64.sqrt (f64.promote_f32 (local.get $c)))))))
        (local.set $a (i32.add (local.get $a) (i32.const 1)))
        (br $l))))

  ;; Represents `user` into u and `item` into pos; returns the positive's score ⟨u, pos⟩ + its bias.
  (func (export "prepare") (param $user i32) (param $item i32) (result f64)
    (call $represent (global.get $uIndptr) (global.get $uFeat) (global.get $uW) (global.get $uEmb) (local.get $user) (global.get $u)
      (i32.const 0x7fffffff) (i32.const 0))
    (call $represent (global.get $iIndptr) (global.get $iFeat) (global.get $iW) (global.get $iEmb) (local.get $item) (global.get $pos)
      (global.get $nItems) (global.get $sEmb))
    (f64.add (call $dot (global.get $u) (global.get $pos)) (call $itemBias (local.get $item))))

  ;; A WARP candidate's screening score against the cache: ⟨u, cache_j⟩ + cacheBias_j.
  (func (export "trial") (param $j i32) (result f64)
    (f64.add
      (call $dot (global.get $u) (i32.add (global.get $cache) (i32.mul (local.get $j) (global.get $rowBytes))))
      (f64.promote_f32 (f32.load (i32.add (global.get $cacheBias) (i32.shl (local.get $j) (i32.const 2)))))))

  ;; BPR: represents item j into neg and returns ⟨u, neg⟩.
  (func (export "negDot") (param $j i32) (result f64)
    (call $represent (global.get $iIndptr) (global.get $iFeat) (global.get $iW) (global.get $iEmb) (local.get $j) (global.get $neg)
      (global.get $nItems) (global.get $sEmb))
    (call $dot (global.get $u) (global.get $neg)))

  ;; The update of one violating pair, weight·(s_neg − s_pos): user ← (neg − pos),
  ;; pos ← −u, neg ← +u, then the biases. `fresh`: represent the negative first.
  (func (export "step") (param $user i32) (param $item i32) (param $negItem i32) (param $weight f64) (param $fresh i32)
    (local $d i32) (local $x v128) (local $y v128)
    (if (local.get $fresh)
      (then (call $represent (global.get $iIndptr) (global.get $iFeat) (global.get $iW) (global.get $iEmb)
        (local.get $negItem) (global.get $neg) (global.get $nItems) (global.get $sEmb))))
    (loop $l
      (local.set $x (v128.load (i32.add (global.get $neg) (local.get $d))))
      (local.set $y (v128.load (i32.add (global.get $pos) (local.get $d))))
      (v128.store (i32.add (global.get $diff) (local.get $d))
        (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23
          (f32x4.demote_f64x2_zero (f64x2.sub (f64x2.promote_low_f32x4 (local.get $x)) (f64x2.promote_low_f32x4 (local.get $y))))
          (f32x4.demote_f64x2_zero (f64x2.sub
            (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $x) (local.get $x)))
            (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $y) (local.get $y)))))))
      (br_if $l (i32.lt_u (local.tee $d (i32.add (local.get $d) (i32.const 16))) (global.get $rowBytes))))
    (call $adagradRows (global.get $uIndptr) (global.get $uFeat) (global.get $uW) (global.get $uEmb) (global.get $uAcc)
      (local.get $user) (global.get $diff) (local.get $weight) (i32.const 0x7fffffff) (i32.const 0) (i32.const 0))
    (call $adagradRows (global.get $iIndptr) (global.get $iFeat) (global.get $iW) (global.get $iEmb) (global.get $iAcc)
      (local.get $item) (global.get $u) (f64.neg (local.get $weight)) (global.get $nItems) (global.get $sEmb) (global.get $sAcc))
    (call $adagradRows (global.get $iIndptr) (global.get $iFeat) (global.get $iW) (global.get $iEmb) (global.get $iAcc)
      (local.get $negItem) (global.get $u) (local.get $weight) (global.get $nItems) (global.get $sEmb) (global.get $sAcc))
    (call $adagradBias (local.get $item) (f64.neg (local.get $weight)))
    (call $adagradBias (local.get $negItem) (local.get $weight)))

  ;; Recomputes every item's representation and bias into the cache.
  (func (export "refresh")
    (local $i i32)
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $i) (global.get $nItems)))
        (call $represent (global.get $iIndptr) (global.get $iFeat) (global.get $iW) (global.get $iEmb) (local.get $i)
          (i32.add (global.get $cache) (i32.mul (local.get $i) (global.get $rowBytes)))
          (global.get $nItems) (global.get $sEmb))
        (f32.store (i32.add (global.get $cacheBias) (i32.shl (local.get $i) (i32.const 2)))
          (f32.demote_f64 (call $itemBias (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $l))))

  ;; One array segment of `count` float32: with `push`, shared += private − snapshot
  ;; (this thread's updates since the last sync); then private = snapshot = shared.
  (func $syncSegment (param $shared i32) (param $private i32) (param $snapshot i32) (param $count i32) (param $push i32)
    (local $k i32) (local $v f32)
    (block $done
      (loop $l
        (br_if $done (i32.ge_u (local.get $k) (local.get $count)))
        (local.set $v (f32.load (local.get $shared)))
        (if (local.get $push)
          (then
            (local.set $v (f32.add (local.get $v)
              (f32.sub (f32.load (local.get $private)) (f32.load (local.get $snapshot)))))
            (f32.store (local.get $shared) (local.get $v))))
        (f32.store (local.get $private) (local.get $v))
        (f32.store (local.get $snapshot) (local.get $v))
        (local.set $shared (i32.add (local.get $shared) (i32.const 4)))
        (local.set $private (i32.add (local.get $private) (i32.const 4)))
        (local.set $snapshot (i32.add (local.get $snapshot) (i32.const 4)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $l))))

  ;; Hogwild only: merges this thread's copy of the shared-feature rows (emb,
  ;; acc, bias, bias acc) into the shared ones (`push`), then copies them back.
  (func (export "sync") (param $push i32)
    (local $cells i32) (local $at i32)
    (local.set $cells (i32.mul (global.get $nShared) (i32.shr_u (global.get $rowBytes) (i32.const 2))))
    (local.set $at (i32.mul (global.get $nItems) (global.get $rowBytes)))
    (call $syncSegment (i32.add (global.get $iEmb) (local.get $at)) (global.get $sEmb)
      (global.get $snap) (local.get $cells) (local.get $push))
    (call $syncSegment (i32.add (global.get $iAcc) (local.get $at)) (global.get $sAcc)
      (i32.add (global.get $snap) (i32.shl (local.get $cells) (i32.const 2))) (local.get $cells) (local.get $push))
    (local.set $at (i32.shl (global.get $nItems) (i32.const 2)))
    (call $syncSegment (i32.add (global.get $iBias) (local.get $at)) (global.get $sBias)
      (i32.add (global.get $snap) (i32.shl (local.get $cells) (i32.const 3))) (global.get $nShared) (local.get $push))
    (call $syncSegment (i32.add (global.get $iBiasAcc) (local.get $at)) (global.get $sBiasAcc)
      (i32.add (i32.add (global.get $snap) (i32.shl (local.get $cells) (i32.const 3))) (i32.shl (global.get $nShared) (i32.const 2)))
      (global.get $nShared) (local.get $push))))
