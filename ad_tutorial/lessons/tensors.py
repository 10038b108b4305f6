"""Lesson `tensors`: the tutorial's part 1, data manipulation with torch tensors."""

from __future__ import annotations

from .cells import Cell, Lesson

LESSON = Lesson(
    name="tensors",
    title="Tensors in PyTorch",
    about="create, reshape, type, move, combine, broadcast and index torch tensors",
    sources="part 1 of the tutorial, cells 1-34",
    cells=(
        Cell(section="Create a tensor",
             code="import torch\n# Check the version of a module\nprint(torch.__version__)",
             says="Import `torch` (not `pytorch`); the tutorial ran torch 1.8.1, this package "
                  "is checked with torch 2.x, so the version printed here differs.",
             check=lambda v: v.torch.__version__.split(".")[0] == "2",
             tutorial="1.8.1"),
        Cell(code="torch.arange(0, 12, 1)",
             says="`torch.arange(start, end, step)` counts from start up to, not including, end.",
             shows='tensor([ 0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11])'),
        Cell(code="torch.zeros((3, 4))",
             says="`torch.zeros(shape)` fills a tensor of that shape with 0. (float32).",
             shows="""\
tensor([[0., 0., 0., 0.],
        [0., 0., 0., 0.],
        [0., 0., 0., 0.]])"""),
        Cell(code="torch.ones((2, 5))",
             says="`torch.ones(shape)` fills it with 1.",
             shows="""\
tensor([[1., 1., 1., 1., 1.],
        [1., 1., 1., 1., 1.]])"""),
        Cell(code="torch.manual_seed(0)\ntorch.randn(10)",
             says="`torch.randn(shape)` draws from a standard normal; seeded here so the "
                  "numbers repeat, which is why they differ from the tutorial's unseeded ones.",
             shows="""\
tensor([ 1.5410, -0.2934, -2.1788,  0.5684, -1.0845, -1.3986,  0.4033,  0.8380,
        -0.7193, -0.4033])""",
             check=lambda v: v.out.shape == (10,) and v.out.dtype == v.torch.float32,
             tutorial="""\
tensor([ 0.1626, -0.9563,  1.0995,  0.8781,  0.5974,  0.1148,  0.2608,  1.3726,
         0.8922, -0.6782])"""),
        Cell(code="torch.tensor([[1, 2, 3], [4, 5, 6]])",
             says="`torch.tensor(elements)` builds a tensor from nested lists.",
             shows="""\
tensor([[1, 2, 3],
        [4, 5, 6]])"""),
        Cell(code="torch.ones((4, 5)).shape",
             says="The `shape` attribute is a `torch.Size`, a tuple of the dimensions.",
             shows='torch.Size([4, 5])'),
        Cell(code="torch.arange(12).reshape(3, 4)",
             says="`reshape` changes the shape, keeping the number of elements and their order.",
             shows="""\
tensor([[ 0,  1,  2,  3],
        [ 4,  5,  6,  7],
        [ 8,  9, 10, 11]])"""),
        Cell(code="torch.arange(12).reshape(3, -1)",
             says="A `-1` in `reshape` asks torch to infer that dimension: 12 / 3 = 4.",
             shows="""\
tensor([[ 0,  1,  2,  3],
        [ 4,  5,  6,  7],
        [ 8,  9, 10, 11]])""",
             check=lambda v: v.torch.equal(v.out, v.torch.arange(12).reshape(3, 4))),
        Cell(section="Type of a tensor",
             code="torch.ones(10).dtype",
             says="Floating-point tensors are `torch.float32` by default.",
             shows='torch.float32'),
        Cell(code="torch.tensor([[1, 2, 3], [4, 5, 6]]).dtype",
             says="`torch.tensor` of integers only gives `torch.int64`.",
             shows='torch.int64'),
        Cell(code="# Only add one dot after the first element\n"
                  "torch.tensor([[1., 2, 3], [4, 5, 6]]).dtype",
             says="One float among the elements makes the whole tensor `torch.float32`.",
             shows='torch.float32'),
        Cell(code="torch.ones(10, dtype=torch.float64).dtype",
             says="The `dtype` argument chooses the type: float32, float64, uint8, int8, "
                  "int32, int64 or bool.",
             shows='torch.float64'),
        Cell(code="torch.ones(10, dtype=torch.uint8).dtype",
             says="`torch.uint8` is an 8-bit unsigned integer.",
             shows='torch.uint8'),
        Cell(code="torch.ones(10, dtype=torch.int32).dtype",
             says="`torch.int32` is a 32-bit signed integer.",
             shows='torch.int32'),
        Cell(code="torch.DoubleTensor([1, 2, 3]).dtype",
             says="The typed constructors build from a list: `DoubleTensor` gives float64.",
             shows='torch.float64'),
        Cell(code="torch.ByteTensor([1, 2, 3]).dtype",
             says="`ByteTensor` gives uint8.",
             shows='torch.uint8'),
        Cell(code="for constructor in (torch.FloatTensor, torch.DoubleTensor, torch.ByteTensor,\n"
                  "                    torch.CharTensor, torch.IntTensor, torch.LongTensor,\n"
                  "                    torch.BoolTensor):\n"
                  "    print(constructor.__name__, constructor([1, 0]).dtype)",
             says="All seven typed constructors from the tutorial's list, FloatTensor to "
                  "BoolTensor, and the dtype each one gives.",
             shows="""\
FloatTensor torch.float32
DoubleTensor torch.float64
ByteTensor torch.uint8
CharTensor torch.int8
IntTensor torch.int32
LongTensor torch.int64
BoolTensor torch.bool"""),
        Cell(section="Use a GPU for tensor computation",
             code="torch.ones(10).device",
             says="A new tensor lives in main memory, for the CPU, unless told otherwise.",
             shows="device(type='cpu')"),
        Cell(code='cuda0 = torch.device("cuda:0" if torch.cuda.is_available() else "cpu")\n'
                  "cuda0",
             says="The first GPU if CUDA is available, else the CPU: the tutorial had a GPU; "
                  "without one, this and the next cells run on the CPU.",
             shows="device(type='cpu')",
             on_gpu="device(type='cuda', index=0)"),
        Cell(code="torch.ones(5, device=cuda0)",
             says="The `device` argument creates a tensor directly on a device: on the tutorial's "
                  "GPU it printed device='cuda:0'.",
             shows='tensor([1., 1., 1., 1., 1.])',
             on_gpu="tensor([1., 1., 1., 1., 1.], device='cuda:0')"),
        Cell(code="# If available, indexing the cuda also works\n"
                  'torch.ones(5, device=0 if torch.cuda.is_available() else "cpu")',
             says="A GPU can also be named by its index, 0 for cuda:0, as in the tutorial; the "
                  "CPU stands in when there is no GPU.",
             shows='tensor([1., 1., 1., 1., 1.])',
             on_gpu="tensor([1., 1., 1., 1., 1.], device='cuda:0')"),
        Cell(code="# If available, the string also works\n"
                  'torch.ones(5, device="cuda:0" if torch.cuda.is_available() else "cpu")',
             says='Or by its name, "cuda:0", as in the tutorial; again the CPU stands in without '
                  "a GPU.",
             shows='tensor([1., 1., 1., 1., 1.])',
             on_gpu="tensor([1., 1., 1., 1., 1.], device='cuda:0')"),
        Cell(code="# Use the to method the move a tensor\nx = torch.ones(5).to(cuda0)\nx",
             says="`.to(device)` moves (copies) a tensor to a device: to cuda:0 in the tutorial, "
                  "to the CPU here when there is no GPU.",
             shows='tensor([1., 1., 1., 1., 1.])',
             on_gpu="tensor([1., 1., 1., 1., 1.], device='cuda:0')"),
        Cell(code='# One can also move a tensor from GPU to CPU\nx.to("cpu").device',
             says='`.to("cpu")` brings it back to main memory.',
             shows="device(type='cpu')"),
        Cell(section="Operations",
             code="x = torch.tensor([1., 2., 4., 8.])\nc = 1.\nx + c, x * c, x**c",
             says="Arithmetic operators work element by element; a number applies to every "
                  "element.",
             shows='(tensor([2., 3., 5., 9.]), tensor([1., 2., 4., 8.]), tensor([1., 2., 4., 8.]))'),
        Cell(code="x = torch.tensor([1., 2., 4., 8.])\ny = torch.tensor([4., 3., 2., 1.])\n"
                  "x + y, x * y, x**y",
             says="Between tensors of one shape, operators pair up the elements.",
             shows="""\
(tensor([5., 5., 6., 9.]),
 tensor([4., 6., 8., 8.]),
 tensor([ 1.,  8., 16.,  8.]))"""),
        Cell(code="torch.exp(x)",
             says="Functions such as `torch.exp` also apply element-wise.",
             shows='tensor([2.7183e+00, 7.3891e+00, 5.4598e+01, 2.9810e+03])'),
        Cell(code="torch.manual_seed(0)\nA = torch.randn((4, 3))\nB = torch.randn((3, 5))\n"
                  "# Two ways of matrix multiplication\ntorch.mm(A, B), A @ B",
             says="`torch.mm(A, B)` and `A @ B` are the same matrix product, (4×3)(3×5) = "
                  "4×5; seeded, so the numbers differ from the tutorial's.",
             shows="""\
(tensor([[-3.4773,  0.2695, -1.6259, -2.6731,  1.5115],
         [-2.2060,  0.5093,  0.7594, -2.0995, -0.0967],
         [-0.7088, -0.8609, -1.8347, -0.5491,  1.9203],
         [ 0.2940,  0.2293,  1.3674, -0.0404, -0.8755]]),
 tensor([[-3.4773,  0.2695, -1.6259, -2.6731,  1.5115],
         [-2.2060,  0.5093,  0.7594, -2.0995, -0.0967],
         [-0.7088, -0.8609, -1.8347, -0.5491,  1.9203],
         [ 0.2940,  0.2293,  1.3674, -0.0404, -0.8755]]))""",
             check=lambda v: v.out[0].shape == (4, 5) and v.torch.equal(*v.out)),
        Cell(code="torch.manual_seed(1)\nA = torch.randn((5, 4))\nB = torch.randn((5, 4))\n"
                  "# Two ways of elementwise multiplication\ntorch.mul(A, B), A * B",
             says="`torch.mul(A, B)` and `A * B` multiply element-wise (same shapes, no "
                  "matrix product); seeded, so the numbers differ from the tutorial's.",
             shows="""\
(tensor([[-0.3037, -0.0343, -0.1000,  0.7656],
         [ 0.1863, -0.1281,  1.1955, -1.0562],
         [ 0.1990,  1.3377,  0.4394,  0.1693],
         [ 0.0683, -0.1842, -0.0877,  0.0851],
         [-0.3422,  0.4956, -0.4920,  2.7638]]),
 tensor([[-0.3037, -0.0343, -0.1000,  0.7656],
         [ 0.1863, -0.1281,  1.1955, -1.0562],
         [ 0.1990,  1.3377,  0.4394,  0.1693],
         [ 0.0683, -0.1842, -0.0877,  0.0851],
         [-0.3422,  0.4956, -0.4920,  2.7638]]))""",
             check=lambda v: v.out[0].shape == (5, 4) and v.torch.equal(*v.out)),
        Cell(code="A = torch.arange(0, 12, 1).reshape((3, 4))\nB = torch.ones((3, 4))\n"
                  "# dim stands for the index of dimension in which the tensors are "
                  "concatenated\ntorch.cat((A, B), dim=0), torch.cat((A, B), dim=1)",
             says="`torch.cat` joins tensors end to end: dim=0 stacks rows (6×4), dim=1 "
                  "columns (3×8); int64 and float32 give float32.",
             shows="""\
(tensor([[ 0.,  1.,  2.,  3.],
         [ 4.,  5.,  6.,  7.],
         [ 8.,  9., 10., 11.],
         [ 1.,  1.,  1.,  1.],
         [ 1.,  1.,  1.,  1.],
         [ 1.,  1.,  1.,  1.]]),
 tensor([[ 0.,  1.,  2.,  3.,  1.,  1.,  1.,  1.],
         [ 4.,  5.,  6.,  7.,  1.,  1.,  1.,  1.],
         [ 8.,  9., 10., 11.,  1.,  1.,  1.,  1.]]))"""),
        Cell(code="A = torch.arange(0, 12, 1).reshape((3, 4))\nB = 5 * torch.ones((3, 4))\n"
                  "A == B, A > B",
             says="Comparisons give boolean tensors, element by element.",
             shows="""\
(tensor([[False, False, False, False],
         [False,  True, False, False],
         [False, False, False, False]]),
 tensor([[False, False, False, False],
         [False, False,  True,  True],
         [ True,  True,  True,  True]]))"""),
        Cell(section="Broadcasting",
             code="a = torch.arange(3).reshape(3, 1)\nb = torch.arange(2).reshape(1, 2)\n"
                  "a, b, a + b",
             says="Broadcasting copies a along its length-1 columns and b along its rows, "
                  "so (3×1) + (1×2) is 3×2.",
             shows="""\
(tensor([[0],
         [1],
         [2]]),
 tensor([[0, 1]]),
 tensor([[0, 1],
         [1, 2],
         [2, 3]]))"""),
        Cell(section="Indexing and slicing",
             code="X = torch.arange(16).reshape(4, 4)\nX, X[-1], X[1:3]",
             says="`X[-1]` is the last row, counting from the end; `X[1:3]` rows 1 and 2.",
             shows="""\
(tensor([[ 0,  1,  2,  3],
         [ 4,  5,  6,  7],
         [ 8,  9, 10, 11],
         [12, 13, 14, 15]]),
 tensor([12, 13, 14, 15]),
 tensor([[ 4,  5,  6,  7],
         [ 8,  9, 10, 11]]))"""),
        Cell(code="A = torch.arange(0, 12, 1).reshape((3, 4))\nB = 5 * torch.ones((3, 4))\n"
                  "A, B, A[A > B]",
             says="A boolean tensor as an index (a mask) picks the elements where it is "
                  "True, as a 1-D tensor.",
             shows="""\
(tensor([[ 0,  1,  2,  3],
         [ 4,  5,  6,  7],
         [ 8,  9, 10, 11]]),
 tensor([[5., 5., 5., 5.],
         [5., 5., 5., 5.],
         [5., 5., 5., 5.]]),
 tensor([ 6,  7,  8,  9, 10, 11]))"""),
    ),
)
