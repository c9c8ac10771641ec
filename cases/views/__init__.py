"""Case pages: reception (staff), files, and the parties' public tracking."""
