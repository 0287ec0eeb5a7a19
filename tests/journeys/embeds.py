"""An offline stand-in for YouTube's oEmbed endpoint (CI has no network): lesson
video blocks validate and render exactly as with the real provider's answer."""

from __future__ import annotations

from wagtail.embeds.finders.base import EmbedFinder

VIDEO_URL = "https://www.youtube.com/watch?v=5qap5aO4i9A"


class OfflineYouTubeFinder(EmbedFinder):
    def accept(self, url: str) -> bool:
        return url == VIDEO_URL

    def find_embed(self, url: str, max_width=None, max_height=None) -> dict:
        return {
            "title": "Dữ liệu số là gì?",
            "author_name": "Học viện Dữ liệu",
            "provider_name": "YouTube",
            "type": "video",
            "thumbnail_url": "",
            "width": 560,
            "height": 315,
            "html": (
                '<iframe width="560" height="315" title="Dữ liệu số là gì?" '
                'src="https://www.youtube-nocookie.com/embed/5qap5aO4i9A" '
                'frameborder="0" allowfullscreen></iframe>'
            ),
        }


embed_finder_class = OfflineYouTubeFinder
