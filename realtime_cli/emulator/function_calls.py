"""A response that calls a function tool: the call item and its argument deltas."""

from __future__ import annotations

import math
from collections.abc import Generator

from realtime_cli.emulator.machine_core import ActiveResponse
from realtime_cli.emulator.replies import FunctionPlan
from realtime_cli.emulator.responses import Responses
from realtime_cli.protocol import (
    FunctionCallItem,
    ResponseFunctionCallArgumentsDelta,
    ResponseFunctionCallArgumentsDone,
)

__all__ = ["FunctionCalls"]


class FunctionCalls(Responses):
    """A function call streamed as argument deltas."""

    def _run_function(
        self, active: ActiveResponse, plan: FunctionPlan, t0: float
    ) -> Generator[float, None, None]:
        call_id = self.ids.next("call")
        item_key = self.ids.next("item")
        self._open_item(
            active,
            FunctionCallItem(
                id=item_key, status="in_progress", name=plan.name, call_id=call_id, arguments=""
            ),
        )
        size = max(1, math.ceil(len(plan.arguments) / 3))
        pieces = [plan.arguments[i : i + size] for i in range(0, len(plan.arguments), size)]
        for index, piece in enumerate(pieces):
            yield self._pace(t0 + (index + 1) * self.text_interval_ms / 1000 / self.speed, index)
            self._emit(
                ResponseFunctionCallArgumentsDelta(
                    event_id=self._eid(),
                    response_id=active.id,
                    item_id=item_key,
                    output_index=active.index,
                    call_id=call_id,
                    delta=piece,
                    obfuscation=self._obfuscation(piece),
                )
            )
            active.text += piece
        self._emit(
            ResponseFunctionCallArgumentsDone(
                event_id=self._eid(),
                response_id=active.id,
                item_id=item_key,
                output_index=active.index,
                call_id=call_id,
                name=plan.name,
                arguments=plan.arguments,
            )
        )
        self._close_item(active, "completed")
