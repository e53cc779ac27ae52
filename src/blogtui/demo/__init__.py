"""The bundled sample blog that `blogtui demo` reads (Atom, split across archive pages)."""

#: The demo's pictures, kept in the image cache before the demo subscribes (so they show
#: offline, and its image fetch never asks for them): an image's URL in the posts, its file here.
PICTURES = {"https://gardener.example/img/beds.png": "beds.png"}
