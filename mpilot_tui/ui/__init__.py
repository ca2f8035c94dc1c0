"""The Textual browser. The only package that imports Textual."""
