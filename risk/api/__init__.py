"""The risk API: feed batches in, the leads list out."""
