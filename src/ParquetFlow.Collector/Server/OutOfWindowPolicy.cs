namespace ParquetFlow.Collector.Server;

/// <summary>What the collector does with a frame whose sender timestamp lies outside the window around its receive time.</summary>
public enum OutOfWindowPolicy
{
    /// <summary>
    /// Keep the frame and file its rows under the date partition of the receive time (the rows keep the sender's
    /// time): a rack whose clock was reset to 1970 or runs years ahead opens no partition of its own.
    /// </summary>
    PartitionByReceiveTime = 0,

    /// <summary>Drop the frame (counted, logged once per connection): nothing of it reaches the raw log, the image or Parquet.</summary>
    Refuse = 1,
}
