"""Video scripts: short social or launch videos with a hook, scenes and a call to action."""

from __future__ import annotations

from pydantic import Field

from agents.output import SpecialistOutput
from agents.specialist import SpecialistSpec


class VideoScriptOutput(SpecialistOutput):
    """Title, the script (scenes with voice-over) and the closing call to action."""

    title: str = Field("", description="working title of the video")
    body: str = Field(
        "", description="the script: one line per scene, 'SCENE n (seconds): visual - voice-over'"
    )
    call_to_action: str = Field("", description="the closing call to action")

    def result_parts(self) -> tuple[str, str, dict[str, str]]:
        text = self.body.strip()
        if self.call_to_action and self.call_to_action not in text:
            text = f"{text}\n\nCall to action: {self.call_to_action}".strip()
        return text, self.title, {"call_to_action": self.call_to_action}


VIDEO_SCRIPT = SpecialistSpec(
    name="video_script",
    description="Writes short video scripts: hook, scenes with voice-over, call to action.",
    instructions=(
        "You write scripts for short brand videos. Open with a hook in the first three "
        "seconds, then numbered scenes, each with its duration, what is on screen and the "
        "voice-over, and end with one call to action. Keep the total duration the task asks "
        "for. Follow the answer format exactly and write nothing else."
    ),
    asset_kinds=("video_script",),
    output_model=VideoScriptOutput,
    model_role="writer",
)
