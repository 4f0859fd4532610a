"""Warnings of the embedder that users may want to filter by category."""

from __future__ import annotations


class SkippedBlockWarning(UserWarning):
    """``partial_fit`` skipped a block of fewer than 2 rows.

    A contrastive batch needs at least two rows: each row's negatives are the
    other rows' views, so a single row teaches nothing. A streaming driver
    (``dask_ml.wrappers.Incremental``, a loop over file chunks) may hand a
    fitted :class:`~skcontrast.embed.ContrastiveEmbedder` such a block at the
    end of its data; ``partial_fit`` then leaves the model as it was and warns
    with this category, naming the block's size. Silence it with
    ``warnings.filterwarnings("ignore", category=SkippedBlockWarning)``.
    """
