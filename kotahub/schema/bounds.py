"""How long the text of each kind of argument may be; the door refuses longer ones unrun."""

from __future__ import annotations

from typing import Annotated

import strawberry

from kotahub.resolvers.search import MAX_TEXT_LENGTH
from kotahub.schema.string_bounds import at_most

CODE = 128  # category codes, names of districts and sources, tracking ids
GLOBAL_ID = 512  # base64 of a type name, a source name and the source's own id
CURSOR = 64  # base64 of "offset:" and a number
WORDS = MAX_TEXT_LENGTH  # words a filter looks for, as many as search takes
# Where a resolver explains a limit of its own field by field (the complaint form), the door
# leaves room above it, so that a text a little too long gets that explanation.
ROOM = 2

Code = Annotated[str, strawberry.argument(metadata=at_most(CODE))]
MaybeCode = Annotated[str | None, strawberry.argument(metadata=at_most(CODE))]
Cursor = Annotated[str | None, strawberry.argument(metadata=at_most(CURSOR))]
GlobalIdArgument = Annotated[strawberry.ID, strawberry.argument(metadata=at_most(GLOBAL_ID))]
