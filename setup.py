"""The one thing pyproject.toml cannot say yet without an experimental table: the compiled
classifier kernels (worker/core/kernels.py says which loops and why), the HTML walk
(worker/core/html_segments.py), the declared metadata's elements (declared.py) and the
MinHash signature's words and shingles (minhash.py).
Everything else about the package is in pyproject.toml."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        # One module from the C files of worker/core/kernels_c/, one per stage (kernels.h
        # lists them); their shared functions stay hidden: the module exports its PyInit.
        Extension(
            "worker.core._kernels",
            sources=[
                "worker/core/kernels_c/module.c",
                "worker/core/kernels_c/text_lines.c",
                "worker/core/kernels_c/html_text.c",
                "worker/core/kernels_c/needles.c",
                "worker/core/kernels_c/structure.c",
                "worker/core/kernels_c/containers.c",
                "worker/core/kernels_c/layout.c",
                "worker/core/kernels_c/text_features.c",
                "worker/core/kernels_c/text_phrases.c",
                "worker/core/kernels_c/text_repeats.c",
                "worker/core/kernels_c/feature_table.c",
                "worker/core/kernels_c/context_features.c",
                "worker/core/kernels_c/model.c",
                "worker/core/kernels_c/smoothing_stage.c",
                "worker/core/kernels_c/rules.c",
                "worker/core/kernels_c/line_starts.c",
                "worker/core/kernels_c/line_words.c",
                "worker/core/kernels_c/reasons.c",
                "worker/core/kernels_c/reason_marks.c",
                "worker/core/kernels_c/verdicts.c",
                "worker/core/kernels_c/records.c",
                "worker/core/kernels_c/markdown.c",
                "worker/core/kernels_c/markdown_blocks.c",
            ],
            depends=[
                "worker/core/kernels_c/kernels.h",
                "worker/core/kernels_c/id_tables.h",
                "worker/core/kernels_c/markdown.h",
            ],
            # No fused multiply-adds: the kernels equal numpy's results to the bit on every
            # machine. No numpy headers: arrays cross by the buffer protocol.
            extra_compile_args=["-O2", "-ffp-contract=off", "-fvisibility=hidden"],
        ),
        # Site memory's fingerprints and profile update (worker/core/site_memory.py): one
        # module from the C files of worker/core/site_memory_c/ (site_memory.h lists them);
        # their shared functions stay hidden: the module exports its PyInit.
        Extension(
            "worker.core._site_memory",
            sources=[
                "worker/core/site_memory_c/module.c",
                "worker/core/site_memory_c/fingerprints.c",
                "worker/core/site_memory_c/profile.c",
            ],
            depends=["worker/core/site_memory_c/site_memory.h"],
            extra_compile_args=["-O2", "-fvisibility=hidden"],
        ),
        # The walk over lexbor's tree for html_segments, which reads selectolax's objects: one
        # module from the C files of worker/core/html_blocks_c/ (html_blocks.h lists them);
        # their shared functions stay hidden: the module exports its PyInit.
        Extension(
            "worker.core._html_blocks",
            sources=[
                "worker/core/html_blocks_c/module.c",
                "worker/core/html_blocks_c/walk.c",
                "worker/core/html_blocks_c/text_folding.c",
                "worker/core/html_blocks_c/class_hints.c",
            ],
            depends=["worker/core/html_blocks_c/html_blocks.h", "worker/core/_lexbor.h"],
            extra_compile_args=["-O2", "-fvisibility=hidden"],
        ),
        # The elements of a page's declared metadata (worker/core/declared.py), from the same
        # tree: one module from the C files of worker/core/declared_c/ (declared.h lists
        # them); their shared functions stay hidden: the module exports its PyInit.
        Extension(
            "worker.core._declared",
            sources=[
                "worker/core/declared_c/module.c",
                "worker/core/declared_c/selection.c",
                "worker/core/declared_c/entries.c",
            ],
            depends=["worker/core/declared_c/declared.h", "worker/core/_lexbor.h"],
            extra_compile_args=["-O2", "-fvisibility=hidden"],
        ),
        # The MinHash signature's words, shingles and min-hash (worker/core/minhash.py).
        # -O3: gcc vectorises the min-hash's multiply-add-min over the permutations.
        Extension(
            "worker.core._minhash",
            sources=["worker/core/_minhash.c"],
            extra_compile_args=["-O3"],
        ),
    ]
)
