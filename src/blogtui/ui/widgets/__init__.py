"""Widgets of the reader: post list, sidebar, reader pane."""
