"""What is read off a parsed document is kept with that very document, and only with it."""

from __future__ import annotations

from graphql import parse

from kotahub.document_memo import DocumentMemo


def test_a_result_is_kept_for_the_same_document_and_key() -> None:
    memo: DocumentMemo[int] = DocumentMemo(longest=1024)
    document, runs = parse("{ a }"), []

    def count() -> int:
        runs.append(1)
        return len(runs)

    assert [memo.get(document, "k", count) for _ in range(3)] == [1, 1, 1]
    assert memo.get(document, "other", count) == 2


def test_another_document_of_the_same_text_is_read_again() -> None:
    memo: DocumentMemo[str] = DocumentMemo(longest=1024)
    first, second = parse("{ a }"), parse("{ a }")
    assert memo.get(first, None, lambda: "first") == "first"
    assert memo.get(second, None, lambda: "second") == "second"


def test_the_memo_holds_at_most_its_size() -> None:
    memo: DocumentMemo[int] = DocumentMemo(longest=1024, size=2)
    documents = [parse("{ a }") for _ in range(3)]
    for number, document in enumerate(documents):
        memo.get(document, None, lambda number=number: number)  # type: ignore[misc]
    assert memo.get(documents[0], None, lambda: -1) == -1  # the oldest was let go
    assert memo.get(documents[2], None, lambda: -1) == 2


def test_a_long_document_is_never_held() -> None:
    """The door parses long documents anew each time: holding them would only pin them."""
    memo: DocumentMemo[int] = DocumentMemo(longest=64)
    long_one, runs = parse("{ " + " ".join(f"f{n}" for n in range(40)) + " }"), []

    def count() -> int:
        runs.append(1)
        return len(runs)

    assert [memo.get(long_one, None, count) for _ in range(2)] == [1, 2]
    assert memo.get(parse("{ a }", no_location=True), None, count) == 3  # no text to weigh
