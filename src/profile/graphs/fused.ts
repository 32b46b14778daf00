// Inductor kernel names: `triton_{poi,red,per,tem,for}_fused_<op>_<op>…_<n>` name the aten ops the kernel
// fuses (pointwise, reduction, persistent reduction, template, foreach). Op names have underscores of their
// own, so known multi-word ops are matched first (longest first), the rest split on `_`. Older Triton
// (`triton__0d1d2d`) names carry no ops.

export type TritonKind = 'pointwise' | 'reduction' | 'persistent-reduction' | 'template' | 'foreach' | 'triton';

export interface FusedName {
  kind: TritonKind;
  /** aten ops the name lists, in its order; empty when the name carries none */
  ops: string[];
}

const KINDS: Record<string, TritonKind> = {
  poi: 'pointwise', red: 'reduction', per: 'persistent-reduction', tem: 'template', for: 'foreach',
};

/** Multi-word aten / prims op names seen in Inductor kernel names (tokens joined by `_`). */
const MULTI = [
  '_unsafe_view', '_to_copy', '_log_softmax', '_softmax', '_scaled_dot_product_flash_attention', '_scaled_dot_product_efficient_attention',
  'native_layer_norm', 'native_layer_norm_backward', 'native_batch_norm', 'native_batch_norm_backward', 'native_group_norm',
  'native_dropout', 'constant_pad_nd', 'index_put', 'index_select', 'index_add', 'scatter_add', 'scatter_reduce',
  'embedding_dense_backward', 'embedding_backward', 'threshold_backward', 'gelu_backward', 'silu_backward', 'sigmoid_backward',
  'tanh_backward', 'convolution_backward', 'max_pool2d_with_indices', 'avg_pool2d', 'adaptive_avg_pool2d', 'upsample_nearest2d',
  'upsample_bilinear2d', 'bitwise_and', 'bitwise_or', 'bitwise_not', 'bitwise_xor', 'logical_and', 'logical_or', 'logical_not',
  'full_like', 'zeros_like', 'ones_like', 'empty_like', 'new_zeros', 'new_ones', 'new_empty', 'masked_fill', 'clamp_min',
  'clamp_max', 'rsqrt', 'log_softmax', 'slice_scatter', 'select_scatter', 'as_strided', 'as_strided_scatter', 'split_with_sizes',
  'unsqueeze', 'squeeze', 'nll_loss_forward', 'nll_loss_backward', 'var_mean', 'convert_element_type', 'iota', 'where_self',
  'rand_like', 'randn_like', 'mse_loss', 'cross_entropy', 'layer_norm', 'group_norm', 'batch_norm', 'rms_norm', 'fused_add_rms_norm',
  'moe_forward', 'add_rms_norm',
].map((op) => op.split('_'));
MULTI.sort((a, b) => b.length - a.length);

const NAME = /^triton_(poi|red|per|tem|for)_fused_?(.*)$/;

/** The kind and fused ops of a Triton kernel name, or null when it is not a Triton kernel. */
export function decodeFusedName(name: string): FusedName | null {
  if (!isTritonKernel(name)) return null;
  const m = NAME.exec(name.replace(/_\d+$/, ''));
  if (!m) return { kind: 'triton', ops: [] };
  const kind = KINDS[m[1]!] ?? 'triton';
  const body = m[2] ?? '';
  if (body === '') return { kind, ops: [] };
  const tokens = body.split('_');
  const ops: string[] = [];
  let i = 0;
  while (i < tokens.length) {
    let taken = 0;
    for (const multi of MULTI) {
      if (multi.length <= tokens.length - i && multi.every((t, k) => tokens[i + k] === t)) {
        taken = multi.length;
        break;
      }
    }
    if (taken > 0) {
      ops.push(tokens.slice(i, i + taken).join('_'));
      i += taken;
    } else {
      if (tokens[i] !== '') ops.push(tokens[i]!);
      i++;
    }
  }
  return { kind, ops };
}

export function isTritonKernel(name: string): boolean {
  return name.startsWith('triton_');
}
