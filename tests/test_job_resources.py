"""What a job asks a cluster for follows the config and its inputs."""

from __future__ import annotations

import pytest

from optical_clir import job_resources as jobres


def test_only_neural_stages_ask_for_a_gpu_and_none_with_device_cpu():
    for stage in jobres.GPU_STAGES:
        assert jobres.gpus(stage, "auto") == 1
        assert jobres.gpus(stage, "cuda") == 1
        assert jobres.gpus(stage, "cpu") == 0
    for stage in ("index_bm25", "retrieve_bm25"):
        assert jobres.gpus(stage, "cuda") == 0


def test_sizes_count_folders_recursively_and_missing_paths_as_empty(tmp_path):
    model = tmp_path / "model"
    (model / "sub").mkdir(parents=True)
    (model / "weights.bin").write_bytes(b"x" * 2**20)
    (model / "sub" / "more.bin").write_bytes(b"x" * 2**19)
    data = tmp_path / "data.tsv"
    data.write_text("a\tb\nc\td\n")
    assert jobres.path_mb([model]) == pytest.approx(1.5)
    assert jobres.path_mb([model, tmp_path / "not-yet"]) == pytest.approx(1.5)
    assert jobres.line_count(data) == 2
    assert jobres.line_count(tmp_path / "not-yet") == 0


@pytest.mark.parametrize(
    "stage", ["train_teacher", "distill_ot", "rerank", "index_bm25"]
)
def test_memory_grows_with_model_and_data_and_doubles_on_a_retry(stage):
    small = jobres.mem_mb(stage, model_mb=10, data_mb=10, device="cpu")
    assert small % 500 == 0
    assert jobres.mem_mb(stage, model_mb=10, data_mb=5000, device="cpu") > small
    if stage != "index_bm25":
        assert jobres.mem_mb(stage, model_mb=2000, data_mb=10, device="cpu") > small
    assert (
        jobres.mem_mb(stage, model_mb=10, data_mb=10, device="cpu", attempt=2)
        == 2 * small
    )


def test_runtime_scales_with_work_model_and_device():
    mbert = {"model_mb": 680.0, "length": 256}
    gpu = jobres.runtime_min(
        "train_teacher", items=320_000, device="auto", threads=2, **mbert
    )
    cpu = jobres.runtime_min(
        "train_teacher", items=320_000, device="cpu", threads=2, **mbert
    )
    more = jobres.runtime_min(
        "train_teacher", items=640_000, device="auto", threads=2, **mbert
    )
    assert jobres.MIN_RUNTIME_MIN < gpu < more < cpu
    # More CPU threads, less time; a retry gets twice as long.
    assert (
        jobres.runtime_min(
            "train_teacher", items=320_000, device="cpu", threads=8, **mbert
        )
        < cpu
    )
    assert (
        jobres.runtime_min(
            "train_teacher", items=320_000, device="auto", threads=2, attempt=2, **mbert
        )
        == 2 * gpu
    )
    # Reranking is forward passes only: cheaper per item than training.
    assert (
        jobres.runtime_min("rerank", items=320_000, device="auto", threads=1, **mbert)
        < gpu
    )
    # A tiny job gets the floor.
    assert (
        jobres.runtime_min(
            "rerank", model_mb=1, items=100, length=64, device="cpu", threads=1
        )
        == jobres.MIN_RUNTIME_MIN
    )


def test_bm25_time_follows_the_collection_and_the_queries():
    base = jobres.bm25_runtime_min("index_bm25", collection_mb=10, queries=0)
    assert base == jobres.MIN_RUNTIME_MIN
    assert jobres.bm25_runtime_min("index_bm25", collection_mb=3000, queries=0) > base
    assert (
        jobres.bm25_runtime_min("retrieve_bm25", collection_mb=0, queries=100_000)
        > base
    )


def test_full_ranking_time_follows_both_vector_files_and_asks_for_no_gpu():
    assert jobres.gpus("rank_full", "cuda") == 0  # vectors only, no model
    base = jobres.maxsim_runtime_min(query_mb=5, passage_mb=40, threads=1)
    assert base == jobres.MIN_RUNTIME_MIN
    big = jobres.maxsim_runtime_min(query_mb=50, passage_mb=4000, threads=1)
    assert big > base
    assert jobres.maxsim_runtime_min(query_mb=50, passage_mb=4000, threads=4) < big
    assert (
        jobres.maxsim_runtime_min(query_mb=50, passage_mb=4000, threads=1, attempt=2)
        == 2 * big
    )
